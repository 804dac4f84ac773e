// The benchmark's reference: a minimal Kafka -> WebSocket broadcaster as one
// would write it on Node - kafkajs consumer, Confluent Avro decoding with
// @kafkajs/confluent-schema-registry, JSON.stringify once per record, ws.send
// to every client of the record's room. Same topics, same events, same frame
// JSON shape as livetap-sidecar (no cursor, no replay, no slow-client policy:
// ws buffers without bound).
//
// usage: node ref_broadcaster.mjs PORT BOOTSTRAP REGISTRY_URL TOPIC_PREFIX
// Prints "listening PORT" and then "ready" once the consumer joined its group.
import http from 'node:http';
import kafkajs from 'kafkajs';
import lz4 from 'lz4js';

const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = kafkajs;
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { WebSocketServer } from 'ws';

const [, , port, bootstrap, registryUrl, prefix] = process.argv;
// livetap's producer compresses with LZ4; kafkajs ships no LZ4 codec.
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder) => Buffer.from(lz4.compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
});
const registry = new SchemaRegistry({ host: registryUrl });
const kafka = new Kafka({ brokers: bootstrap.split(','), clientId: 'ref-broadcaster', logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `ref-${prefix}-${process.pid}`, maxWaitTimeInMs: 50 });
const rooms = new Map();

const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const m = /^\/ws\/([^/?]+)/.exec(req.url);
  if (!m) { ws.close(1008); return; }
  const room = decodeURIComponent(m[1]);
  let set = rooms.get(room);
  if (!set) rooms.set(room, (set = new Set()));
  set.add(ws);
  ws.on('close', () => { set.delete(ws); if (!set.size) rooms.delete(room); });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));

const typeOf = (topic) => {
  const t = topic.slice(prefix.length + 1);
  return t === 'room_status' ? 'status' : t;
};
consumer.on(consumer.events.GROUP_JOIN, () => console.log('ready'));
await consumer.connect();
const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
await consumer.subscribe({ topics: [new RegExp(`^${escaped}\\.`)], fromBeginning: false });
await consumer.run({
  partitionsConsumedConcurrently: 4,
  eachMessage: async ({ topic, message }) => {
    const ev = await registry.decode(message.value);
    const text = JSON.stringify({ type: typeOf(topic), ...ev });
    const set = rooms.get(message.key.toString());
    if (set) for (const ws of set) ws.send(text);
  },
});
