// llama.cpp's CPU speed on a GGUF file (for instance one `longalign model export --gguf` wrote),
// through node-llama-cpp's prebuilt binary from the npm fixtures: prefill tokens/s and decode
// ms/token at each context length, with flash attention off and on, best of a few runs. To
// compare with build/bench/infer_bench (bench/run_infer_bench.sh) on the same model and threads.
//
//   node bench/llama_cpp_bench.mjs --model FILE.gguf [--contexts 1024,8192,32768] [--threads 2]
//        [--decode-steps 16] [--runs 3] [--flash-attention off,on] [--kv f16]
//        [--node-modules .cache/npm/node_modules]
//
// Prefill at context N: N random tokens evaluated into an empty sequence (batches of 512, as
// llama.cpp's default). Decode: then --decode-steps single tokens, each attending to all before
// it, after one untimed step; ms/token is their mean. Each run starts from an empty sequence; the
// best prefill and the best decode over --runs runs are printed, one JSON object per line:
//   {"engine":"llama.cpp", "context", "threads", "flash_attention", "kv", "prefill_tokens_per_s",
//    "decode_ms_per_token", "runs", "model"}
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    contexts: { type: "string", default: "1024,8192,32768" },
    threads: { type: "string", default: "2" },
    "decode-steps": { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    "flash-attention": { type: "string", default: "off,on" },
    kv: { type: "string", default: "f16" },
    "node-modules": { type: "string", default: path.join(root, ".cache", "npm", "node_modules") },
  },
});
if (!args.model) {
  console.error("usage: node bench/llama_cpp_bench.mjs --model FILE.gguf [options]");
  process.exit(2);
}
const positiveInts = (text, name) =>
  text.split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: ${s} is not a positive integer`);
    return n;
  });
const contexts = positiveInts(args.contexts, "contexts");
const [threads] = positiveInts(args.threads, "threads");
const [decodeSteps] = positiveInts(args["decode-steps"], "decode-steps");
const [runs] = positiveInts(args.runs, "runs");
const flashModes = args["flash-attention"].split(",").map((m) => {
  if (m !== "on" && m !== "off") throw new Error(`--flash-attention: ${m} is not on or off`);
  return m === "on";
});
const kvType = args.kv.toUpperCase();

const require = createRequire(path.join(path.resolve(args["node-modules"]), "_resolve_from_here.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));
const llama = await getLlama({
  gpu: false,
  build: "never",
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
  maxThreads: threads,
});
const model = await llama.loadModel({ modelPath: args.model, gpuLayers: 0 });
// The token list's length, as llama.cpp's converter and ours write it beside the tokens.
const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;

// Deterministic token ids (xorshift32), away from the special ones at the start of the vocabulary.
function randomTokens(n, seed) {
  let s = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < n; ++i) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(300 + (s % (vocab - 300)));
  }
  return out;
}

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

async function measure(sequence, n) {
  const prompt = randomTokens(n, n);
  let start = process.hrtime.bigint();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  const prefill = seconds(start);
  const step = async (token) => sequence.evaluateWithoutGeneratingNewTokens([token]);
  await step(prompt[0]);
  start = process.hrtime.bigint();
  for (let i = 0; i < decodeSteps; ++i) await step(prompt[(i + 1) % n]);
  const decode = seconds(start) / decodeSteps;
  await sequence.clearHistory();
  return { prefill, decode };
}

for (const n of contexts) {
  for (const flashAttention of flashModes) {
    const context = await model.createContext({
      contextSize: n + decodeSteps + 1,
      sequences: 1,
      batchSize: 512,
      threads,
      flashAttention,
      experimentalKvCacheKeyType: kvType,
      experimentalKvCacheValueType: kvType,
    });
    const sequence = context.getSequence();
    let bestPrefill = Infinity;
    let bestDecode = Infinity;
    for (let r = 0; r < runs; ++r) {
      const { prefill, decode } = await measure(sequence, n);
      bestPrefill = Math.min(bestPrefill, prefill);
      bestDecode = Math.min(bestDecode, decode);
    }
    console.log(
      JSON.stringify({
        engine: "llama.cpp",
        context: n,
        threads,
        flash_attention: flashAttention,
        kv: args.kv,
        prefill_tokens_per_s: Math.round(n / bestPrefill),
        decode_ms_per_token: Number((bestDecode * 1e3).toFixed(3)),
        runs,
        model: path.basename(args.model),
      }),
    );
    await context.dispose();
  }
}
await model.dispose();
await llama.dispose();
