// `npm run bench` entry: the benchmark is TypeScript (bench/run.ts), compiled by bench/tsconfig.json
// into out/bench before this runs (see package.json).
await import(new URL('../out/bench/bench/run.js', import.meta.url).href);
