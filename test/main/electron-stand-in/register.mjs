// Makes `electron` resolve to the recording stand-in (electron.ts next to this file) in the wiring
// test's child process: node --import tsx --import ./register.mjs dist/main/main.js
import { register } from 'node:module';

const standIn = new URL('./electron.ts', import.meta.url).href;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return next(${JSON.stringify(standIn)}, context);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
