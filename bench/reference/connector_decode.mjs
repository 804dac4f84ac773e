// Reference decoder for bench_decode: tiktok-live-connector (npm) decoding the same capture.
//
// Every frame goes through the function the connector's WebSocket client calls
// for each binary message it receives, deserializeWebSocketMessage() (exported
// by the package): WebcastPushFrame decode, gunzip when the payload starts with
// the gzip magic (zlib.unzip, asynchronous: on libuv's thread pool),
// ProtoMessageFetchResult decode, then every message decoded by its method name
// with the package's generated decoder, attached as message.decodedData.
// Counted as events: messages that came back as decoded objects. Methods the
// connector has no decoder for are skipped by it and listed here (unknown=).
// No network, no event mapping, no emitters: decode only, which favours the
// reference next to livetap's decode + Avro encode.
//
// One untimed warm-up pass (V8 compiles the hot decoders), then `passes` timed
// passes; CPU from process.cpuUsage() (user + system, every thread of the
// process, the zlib pool included). Prints key=value results like
// bench_decode and tiktoklive_decode.py.
//
//   node bench/reference/connector_decode.mjs CAPTURE [passes] [node_modules dir]
//
// The package is installed test-only from bench/reference/package-lock.json
// (bench/tiktok.sh runs `npm ci` into build/bench-node); the default
// node_modules is build/bench-node/node_modules next to this file's repo.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PACKAGE = "tiktok-live-connector";

function usage() {
    console.error("usage: node connector_decode.mjs CAPTURE [passes] [node_modules dir]");
    process.exit(2);
}

// The package is ESM-only and lives outside this file's directory tree, so it is
// imported by the path its package.json exports for ".".
async function loadConnector(modulesDir) {
    const root = join(modulesDir, PACKAGE);
    let meta;
    try {
        meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    } catch (err) {
        throw new Error(`${PACKAGE} is not installed in ${modulesDir} (${err.code || err.message}); ` +
            `run npm ci in a copy of bench/reference/package.json and package-lock.json`);
    }
    const dot = meta.exports && meta.exports["."];
    const entry = (dot && (dot.default || dot.import)) || meta.main || "index.js";
    const lib = await import(pathToFileURL(join(root, entry)).href);
    if (typeof lib.deserializeWebSocketMessage !== "function")
        throw new Error(`${PACKAGE} ${meta.version} does not export deserializeWebSocketMessage`);
    return { lib, version: meta.version };
}

function readCapture(path) {
    const data = readFileSync(path);
    const frames = [];
    let off = 0;
    while (off + 4 <= data.length) {
        const n = data.readUInt32LE(off);
        if (off + 4 + n > data.length) break;
        frames.push(data.subarray(off + 4, off + 4 + n));
        off += 4 + n;
    }
    return frames;
}

// One pass over the capture; tallies into `t`.
async function decodePass(lib, frames, t) {
    for (const raw of frames) {
        let container;
        try {
            container = await lib.deserializeWebSocketMessage(raw);
        } catch {
            t.skipped++;
            continue;
        }
        const result = container.protoMessageFetchResult;
        if (!result) {
            t.skipped++;
            continue;
        }
        for (const message of result.messages || []) {
            if (message.decodedData && message.decodedData.data) {
                t.events++;
                t.decoded.set(message.method, (t.decoded.get(message.method) || 0) + 1);
            }
            else if (message.decodeError) t.failed.set(message.method, (t.failed.get(message.method) || 0) + 1);
            else t.unknown.set(message.method, (t.unknown.get(message.method) || 0) + 1);
        }
    }
}

function tally() {
    return { events: 0, skipped: 0, decoded: new Map(), unknown: new Map(), failed: new Map() };
}

function listMethods(map) {
    return [...map.keys()].sort().join(",") || "-";
}

function sum(map) {
    let n = 0;
    for (const v of map.values()) n += v;
    return n;
}

async function main() {
    const here = dirname(fileURLToPath(import.meta.url));
    const [capture, passArg, modulesArg] = process.argv.slice(2);
    if (!capture) usage();
    const passes = passArg ? Number.parseInt(passArg, 10) : 1;
    if (!(passes >= 1)) usage();
    const modulesDir = resolve(modulesArg || join(here, "..", "..", "build", "bench-node", "node_modules"));

    const { lib, version } = await loadConnector(modulesDir);
    const frames = readCapture(capture);
    if (frames.length === 0) {
        console.error(`${capture} holds no frames`);
        process.exit(1);
    }

    const warm = tally();
    await decodePass(lib, frames, warm);

    const t = tally();
    const w0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let p = 0; p < passes; p++) await decodePass(lib, frames, t);
    const cpuUsed = process.cpuUsage(c0);
    const wall = Number(process.hrtime.bigint() - w0) / 1e9;
    const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
    const total = frames.length * passes;
    console.log(`version=${version} frames=${total} events=${t.events} events_per_pass=${t.events / passes} ` +
        `skipped=${t.skipped} not_decoded=${sum(t.unknown) + sum(t.failed)} wall_s=${wall.toFixed(3)} ` +
        `cpu_s=${cpu.toFixed(3)} frames_per_s=${(total / wall).toFixed(0)} events_per_s=${(t.events / wall).toFixed(0)} ` +
        `events_per_cpu_s=${(t.events / cpu).toFixed(0)} decoded_types=${t.decoded.size} ` +
        `unknown=${listMethods(t.unknown)} failed=${listMethods(t.failed)}`);
    // Per-method counts of one pass, for a reader comparing type coverage.
    const perPass = [...t.decoded].sort().map(([m, n]) => `${m}:${n / passes}`);
    console.error(`decoded per pass: ${perPass.join(" ")}`);
}

main().catch((err) => {
    console.error(`connector_decode: ${err.message}`);
    process.exit(1);
});
