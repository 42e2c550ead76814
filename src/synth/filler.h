// Filler text for the synthetic tasks: an endless stream of sentences, either made up by a small
// built-in grammar (works offline, no data files) or cut from the user's own text files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace longalign::synth {

// A small deterministic generator (splitmix64): the same seed gives the same stream on every
// platform, unlike the distributions of <random>.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Uniform in [0, 1).
  double uniform();

 private:
  uint64_t state_;
};

// Mixes several numbers into one seed, so each (seed, length, sample) gets its own stream.
uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b);

class FillerSource {
 public:
  virtual ~FillerSource() = default;
  // The next sentence, without leading or trailing space.
  virtual std::string next() = 0;
};

// Plausible English prose from word lists and sentence templates. It never writes a digit, so a
// number in the document can only come from a needle.
class GrammarFiller : public FillerSource {
 public:
  explicit GrammarFiller(uint64_t seed) : rng_(seed) {}
  std::string next() override;

 private:
  Rng rng_;
};

// The sentences of a haystack text, from a given sentence onwards, wrapping around at the end.
class HaystackFiller : public FillerSource {
 public:
  // `sentences` must not be empty.
  HaystackFiller(const std::vector<std::string>* sentences, size_t start)
      : sentences_(sentences), pos_(start % sentences->size()) {}
  std::string next() override;

 private:
  const std::vector<std::string>* sentences_;
  size_t pos_;
};

// Reads every regular *.txt file of `dir` in name order, concatenated, and cuts the text into
// sentences (at . ! ? followed by space, or after 40 words; whitespace collapsed). Throws Error
// when the folder cannot be read or holds no text.
std::vector<std::string> read_haystack(const std::filesystem::path& dir);

// Cuts a text into sentences as read_haystack does.
std::vector<std::string> split_sentences(const std::string& text);

}  // namespace longalign::synth
