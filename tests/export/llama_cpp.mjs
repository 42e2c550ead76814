// Runs llama.cpp on a GGUF file for the export tests and prints one JSON object: node-llama-cpp
// with its prebuilt CPU binary (@node-llama-cpp/linux-x64), never built or downloaded.
//
//   node llama_cpp.mjs NODE_MODULES REQUEST.json
//
// REQUEST is {"gguf": path, "task": ..., ...}:
//   "tokenize": {"texts": [...]}  ->  {"plain": [[ids]], "special": [[ids]], "vocab": {...}}
//       plain: special tokens in the text taken as text; special: parsed as tokens (llama.cpp's
//       parse_special). Neither adds BOS or EOS; vocab tells what llama.cpp made of the
//       tokenizer: its type, BOS/EOS and whether it adds them, and "control", the ids it treats
//       as control tokens (those the file marks so, and those its own rules force).
//   "generate": {"prompt_text": text, "tokens": N}  ->  {"prompt": [ids], "tokens": [ids]}: the
//       prompt as llama.cpp tokenizes it (BOS first if the file says to add one, special tokens
//       parsed), then N greedy tokens
//   "probabilities": {"prompt": [ids]}  ->  {"probabilities": [p per token id]} after the prompt
//   "metadata": {}  ->  {"version", "metadata", "tensors": [{"name", "dims", "type", "offset"}]}
//       as node-llama-cpp's own GGUF parser reads the file (the large token arrays left out)
// The context runs on 2 threads with an F32 KV cache and without flash attention, the
// configuration closest to our engine's fp32 path.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [npmDir, requestFile] = process.argv.slice(2);
if (!npmDir || !requestFile) {
  console.error("usage: node llama_cpp.mjs NODE_MODULES REQUEST.json");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), "_resolve_from_here.js"));
const { getLlama, LlamaLogLevel, readGgufFileInfo } = await import(require.resolve("node-llama-cpp"));
const request = JSON.parse(fs.readFileSync(requestFile, "utf8"));
// 64-bit GGUF values come back as BigInt, which JSON.stringify refuses.
const print = (value) =>
  process.stdout.write(
    JSON.stringify(value, (_, v) => (typeof v === "bigint" ? Number(v) : v)) + "\n",
  );

if (request.task === "metadata") {
  const info = await readGgufFileInfo(request.gguf, {
    logWarnings: false,
    ignoreKeys: [
      "tokenizer.ggml.tokens",
      "tokenizer.ggml.scores",
      "tokenizer.ggml.token_type",
      "tokenizer.ggml.merges",
    ],
  });
  print({
    version: info.version,
    metadata: info.metadata,
    tensors: info.tensorInfo.map((t) => ({
      name: t.name,
      dims: t.dimensions,
      type: t.ggmlType,
      offset: t.offset,
    })),
  });
  process.exit(0);
}

const llama = await getLlama({
  gpu: false,
  build: "never",
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
});
if (llama.buildType !== "prebuilt") throw new Error(`expected the prebuilt binary, got ${llama.buildType}`);

const vocabOnly = request.task === "tokenize";
const model = await llama.loadModel({ modelPath: request.gguf, vocabOnly, gpuLayers: 0 });

async function newSequence(contextSize) {
  const context = await model.createContext({
    contextSize,
    sequences: 1,
    threads: 2,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
  });
  return context.getSequence();
}

const greedy = { temperature: 0 };

let result;
if (request.task === "tokenize") {
  result = {
    plain: request.texts.map((t) => Array.from(model.tokenize(t, false))),
    special: request.texts.map((t) => Array.from(model.tokenize(t, true))),
    vocab: {
      type: model.vocabularyType,
      bos: model.tokens.bos,
      eos: model.tokens.eos,
      add_bos: model.tokens.shouldPrependBosToken,
      add_eos: model.tokens.shouldAppendEosToken,
      control: [...model.iterateAllTokens()].filter((t) => model.getTokenAttributes(t).control),
    },
  };
} else if (request.task === "generate") {
  const prompt = Array.from(model.tokenize(request.prompt_text, true));
  if (model.tokens.shouldPrependBosToken) prompt.unshift(model.tokens.bos);
  const sequence = await newSequence(prompt.length + request.tokens + 8);
  const tokens = [];
  let input = prompt.map((t, i) =>
    i + 1 < prompt.length ? t : [t, { generateNext: { token: true, options: greedy } }],
  );
  while (tokens.length < request.tokens) {
    const output = await sequence.controlledEvaluate(input);
    const next = output[input.length - 1].next.token;
    tokens.push(next);
    input = [[next, { generateNext: { token: true, options: greedy } }]];
  }
  result = { prompt, tokens };
} else if (request.task === "probabilities") {
  const sequence = await newSequence(request.prompt.length + 8);
  const input = request.prompt.map((t, i) =>
    i + 1 < request.prompt.length
      ? t
      : [t, { generateNext: { probabilities: true, options: greedy } }],
  );
  const output = await sequence.controlledEvaluate(input);
  const probabilities = [];
  for (const [token, p] of output[input.length - 1].next.probabilities) probabilities[token] = p;
  result = { probabilities };
} else {
  throw new Error(`unknown task ${request.task}`);
}
print(result);
await model.dispose();
await llama.dispose();
