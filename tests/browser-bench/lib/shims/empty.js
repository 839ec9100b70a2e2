// Stands in for Node's `fs` in autobahn's bundle: only its Node-only file logging uses it.
export default {};
