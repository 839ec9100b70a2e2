// Node globals that autobahn's dependencies (msgpack5, cbor, bl) use, for its esbuild bundle.
import { Buffer } from "buffer";
import process from "process";

export { Buffer, process };
