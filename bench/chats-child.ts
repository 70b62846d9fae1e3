// Recognises one export in a process of its own, so that its time and memory are its own (bench/chats.ts).
//   node --import tsx bench/chats-child.ts PATH
// Prints one JSON line: {"ms", "baselineRss", "peakRss", "messages", "platform"} (bytes).
import { performance } from 'node:perf_hooks';
import { recogniseExport } from '../src/core/chats/recognize.js';

const path = process.argv[2];
if (!path) throw new Error('usage: chats-child.ts PATH');
// The engine's baseline: node and the modules loaded, nothing read yet.
const baselineRss = process.memoryUsage.rss();
let peakRss = baselineRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);
const started = performance.now();
const found = await recogniseExport(path, Buffer.alloc(32, 1));
const ms = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(
  `${JSON.stringify({ ms, baselineRss, peakRss, messages: found?.summary.messages ?? 0, platform: found?.summary.platform })}\n`,
);
