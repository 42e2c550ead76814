#include "synth/filler.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/error.h"
#include "core/file_io.h"
#include "core/random.h"

namespace longalign::synth {

namespace fs = std::filesystem;

uint64_t Rng::next() {
  return splitmix64(state_);
}

uint64_t Rng::below(uint64_t n) {
  // Rejection sampling keeps the result exactly uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = next();
  while (x >= limit) x = next();
  return x % n;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b) {
  Rng r(seed ^ 0x5eedf00dcafe1234ull);
  uint64_t s = r.next() ^ a;
  Rng r2(s);
  s = r2.next() ^ b;
  Rng r3(s);
  return r3.next();
}

namespace {

// Word lists and templates written for this project. Slots: {A} adjective, {N} noun, {P} plural
// noun, {V} past-tense verb phrase, {L} place, {T} time, {M} person, {D} adverb, {S} subject
// matter.
constexpr std::array kAdjectives = {
    "quiet",   "narrow",  "golden", "patient", "crowded",  "ancient", "restless", "gentle",
    "distant", "careful", "bright", "modest",  "stubborn", "hollow",  "familiar", "sudden",
    "wooden",  "curious", "faded",  "steady",  "generous", "humble",  "tangled",  "silver"};
constexpr std::array kNouns = {"lantern", "river",  "teacher", "harbor",  "notebook", "orchard",
                               "bridge",  "farmer", "library", "kettle",  "window",   "sailor",
                               "garden",  "clock",  "market",  "painter", "village",  "mountain",
                               "letter",  "baker",  "meadow",  "train",   "violin",   "shepherd"};
constexpr std::array kPlurals = {"travelers", "children",  "neighbors", "merchants", "students",
                                 "fishermen", "musicians", "gardeners", "visitors",  "weavers",
                                 "soldiers",  "scholars",  "builders",  "pilgrims"};
constexpr std::array kVerbs = {"walked slowly",       "waited",
                               "sang softly",         "worked all day",
                               "wrote a long letter", "looked around",
                               "rested for a while",  "argued politely",
                               "counted the boxes",   "lit a small fire",
                               "repaired the fence",  "told an old story",
                               "planted new seeds",   "cleaned the tools",
                               "watched the clouds",  "carried the baskets"};
constexpr std::array kPlaces = {"old square",   "northern road", "harbor wall",  "upper meadow",
                                "village hall", "stone chapel",  "river bank",   "quiet valley",
                                "west tower",   "narrow lane",   "orchard gate", "market street",
                                "forest edge",  "lighthouse",    "mill pond"};
constexpr std::array kTimes = {"before dawn",           "in the late afternoon",
                               "after the first frost", "during the long winter",
                               "on a rainy evening",    "at the end of summer",
                               "early in the spring",   "late at night",
                               "around midday",         "when the bells rang"};
constexpr std::array kPeople = {"Miriam",   "Tobias", "Elena", "Rowan",  "Ingrid", "Callum",
                                "Beatrice", "Anselm", "Lucia", "Dorian", "Hana",   "Felix",
                                "Agnes",    "Oswin",  "Mabel", "Teodor"};
constexpr std::array kAdverbs = {"quietly", "eagerly", "slowly", "carefully", "cheerfully",
                                 "gravely", "kindly",  "boldly", "patiently", "absently"};
constexpr std::array kSubjects = {"the price of grain",       "the coming harvest",
                                  "an unfinished map",        "the best way to mend a net",
                                  "the history of the town",  "a song nobody remembered",
                                  "the weather in the hills", "a journey across the sea",
                                  "the rules of an old game", "the color of the evening sky"};
constexpr std::array kTemplates = {
    "The {A} {N} near the {L} was still there {T}.",
    "{M} {V} by the {L} {T}.",
    "Most of the {P} agreed that the {N} looked {A} {T}.",
    "{T}, the {P} gathered at the {L} and talked about {S}.",
    "Nobody expected the {N} to seem so {A}, yet {M} said it had always been that way.",
    "{M} {D} explained {S} to the {P} who had come from the {L}.",
    "A {A} {N} stood beside the {L}, and the {P} passed it without a word.",
    "It was {T} when {M} first noticed how {A} the {N} had become.",
    "The {P} {V} while {M} thought {D} about {S}.",
    "Some say the {L} was once home to a {A} {N} and a {A} {N}.",
    "{M} kept a {A} {N} in the {L} and looked after it {D}.",
    "By the time the {P} reached the {L}, the {N} had grown {A}."};

template <size_t N>
std::string_view pick(Rng& rng, const std::array<const char*, N>& words) {
  return words[rng.below(N)];
}

}  // namespace

std::string GrammarFiller::next() {
  const std::string_view tmpl = pick(rng_, kTemplates);
  std::string out;
  out.reserve(tmpl.size() + 48);
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{' || i + 2 >= tmpl.size() || tmpl[i + 2] != '}') {
      out += tmpl[i];
      continue;
    }
    switch (tmpl[i + 1]) {
      case 'A':
        out += pick(rng_, kAdjectives);
        break;
      case 'N':
        out += pick(rng_, kNouns);
        break;
      case 'P':
        out += pick(rng_, kPlurals);
        break;
      case 'V':
        out += pick(rng_, kVerbs);
        break;
      case 'L':
        out += pick(rng_, kPlaces);
        break;
      case 'T':
        out += pick(rng_, kTimes);
        break;
      case 'M':
        out += pick(rng_, kPeople);
        break;
      case 'D':
        out += pick(rng_, kAdverbs);
        break;
      default:
        out += pick(rng_, kSubjects);
        break;
    }
    i += 2;
  }
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string HaystackFiller::next() {
  std::string s = (*sentences_)[pos_];
  pos_ = (pos_ + 1) % sentences_->size();
  return s;
}

std::vector<std::string> split_sentences(const std::string& text) {
  constexpr size_t kMaxWords = 40;
  std::vector<std::string> out;
  std::string current;
  size_t words = 0;
  size_t i = 0;
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    const std::string_view word(text.data() + start, i - start);
    if (!current.empty()) current += ' ';
    current += word;
    ++words;
    const char last = word.back();
    if (last == '.' || last == '!' || last == '?' || words == kMaxWords) {
      out.push_back(std::move(current));
      current.clear();
      words = 0;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::vector<std::string> read_haystack(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": not a directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      files.push_back(entry.path());
    }
  }
  if (ec) throw Error(dir.string() + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  std::string text;
  for (const auto& f : files) {
    text += read_file(f);
    text += '\n';
  }
  auto sentences = split_sentences(text);
  if (sentences.empty()) throw Error(dir.string() + ": no text in any .txt file");
  return sentences;
}

}  // namespace longalign::synth
