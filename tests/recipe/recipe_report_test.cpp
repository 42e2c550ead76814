// The run report: every section present in report.md and report.html, every "From" link points
// at a file of the run, and the HTML renders in a real browser (headless Chromium, no network):
// each section is in the rendered page, nothing refers outside the file, and the screenshot is
// not blank.
#include <regex>

#include "recipe_fixture.h"

namespace longalign::recipe {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

const char* const kSections[] = {"summary", "recipe",   "stages",   "data",
                                 "plan",    "training", "accuracy", "needle"};

class RecipeReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_haystack(*dir_);
    const fs::path recipe = dir_->write("tiny.toml", tiny_recipe(1, kTinyNeedle));
    const auto r = run_recipe_cli(recipe, dir_->path() / "run");
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path run() { return dir_->path() / "run"; }
  static TempDir* dir_;
};
TempDir* RecipeReport::dir_ = nullptr;

TEST_F(RecipeReport, EverySectionLinksFilesThatExist) {
  const std::string html = testing::read_text_file(run() / "report.html");
  const std::string md = testing::read_text_file(run() / "report.md");
  for (const char* id : kSections)
    EXPECT_TRUE(contains(html, std::string("<section id=\"") + id + "\"")) << id;
  for (const char* title :
       {"## At a glance", "## The recipe as run", "## Stages", "## Data", "## Plan", "## Training",
        "## Task accuracy (held-out)", "## Needle in a haystack"})
    EXPECT_TRUE(contains(md, title)) << title;
  const std::regex link("href=\"([^\"#]+)\"");
  size_t links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator();
       ++it, ++links)
    EXPECT_TRUE(fs::exists(run() / (*it)[1].str())) << (*it)[1].str();
  EXPECT_GE(links, 10u);
  // Self-contained: nothing loaded from elsewhere (the SVGs' xmlns is a name, not a fetch).
  for (const char* outside : {"<img", "<script", "<link", "src=", "url("})
    EXPECT_FALSE(contains(html, outside)) << outside;
}

// Runs Chromium headless with the network off; its exit code.
int chromium(const std::string& args) {
  return testing::run_command(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --proxy-server=127.0.0.1:9 "
      "--host-resolver-rules='MAP * ~NOTFOUND' --window-size=1100,4000 " +
      args + " 2>/dev/null");
}

TEST_F(RecipeReport, RendersInHeadlessChromium) {
  if (testing::run_command("command -v chromium >/dev/null") != 0)
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  const fs::path dom = dir_->path() / "dom.html", shot = dir_->path() / "report.png",
                 blank = dir_->path() / "blank.png";
  const std::string page = "file://" + (run() / "report.html").string();
  ASSERT_EQ(chromium("--dump-dom " + testing::shell_quote(page) + " >" +
                     testing::shell_quote(dom.string())),
            0);
  const std::string rendered = testing::read_text_file(dom);
  for (const char* id : kSections)
    EXPECT_TRUE(contains(rendered, std::string("<section id=\"") + id + "\"")) << id;
  // Four charts (lengths, pack fill, loss, needle heatmap), drawn inline.
  size_t svgs = 0;
  for (size_t at = 0; (at = rendered.find("<svg", at)) != std::string::npos; ++at) ++svgs;
  EXPECT_EQ(svgs, 4u);

  ASSERT_EQ(chromium("--screenshot=" + testing::shell_quote(shot.string()) + " " +
                     testing::shell_quote(page)),
            0);
  const fs::path empty = dir_->write("blank.html", "<!DOCTYPE html><html><body></body></html>");
  ASSERT_EQ(chromium("--screenshot=" + testing::shell_quote(blank.string()) + " " +
                     testing::shell_quote("file://" + empty.string())),
            0);
  // A blank page of the same size compresses to almost nothing; text, tables and charts do not.
  EXPECT_GT(fs::file_size(shot), 10 * fs::file_size(blank))
      << fs::file_size(shot) << " vs " << fs::file_size(blank);
  if (const char* keep = std::getenv("LONGALIGN_KEEP_SCREENSHOT"))
    fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace longalign::recipe
