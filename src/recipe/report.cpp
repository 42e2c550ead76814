#include "recipe/report.h"

#include "core/file_io.h"
#include "core/svg.h"
#include "recipe/report_format.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStyle = R"(<style>
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #1d2433; background: #fafbfc; }
h1 { border-bottom: 3px solid #3b6fd8; padding-bottom: .3em; }
section { background: #fff; border: 1px solid #dde3ec; border-radius: 8px; padding: .4em 1.4em 1em;
          margin: 1.2em 0; box-shadow: 0 1px 3px rgba(0,0,0,.05); }
h2 { color: #24478f; }
.from { font-size: .85em; color: #5b6578; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { padding: .3em .8em; border-bottom: 1px solid #e4e8ef; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef2f9; }
pre { background: #f3f5f9; padding: .8em; overflow-x: auto; font-size: .85em; }
figure { margin: .8em 0; } figure svg { max-width: 100%; height: auto; }
nav a { margin-right: 1em; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; }
.card { flex: 1 1 120px; background: #eef2f9; border-radius: 8px; padding: .7em 1em; }
.card b { display: block; font-size: 1.6em; color: #24478f; }
.card span { font-size: .85em; color: #5b6578; }
</style>
)";

std::string from_line_markdown(const ReportSection& s) {
  std::string line = "From";
  for (size_t i = 0; i < s.from.size(); ++i)
    line +=
        (i ? ", " : " ") + std::string("[") + s.from[i].string() + "](" + s.from[i].string() + ")";
  return "*" + line + ".*\n";
}

std::string from_line_html(const ReportSection& s) {
  std::string line = "<p class=\"from\">From";
  for (size_t i = 0; i < s.from.size(); ++i) {
    const std::string path = markup_escape(s.from[i].string());
    line += std::string(i ? ", " : " ") + "<a href=\"" + path + "\">" + path + "</a>";
  }
  return line + ".</p>\n";
}

}  // namespace

std::string report_markdown(const std::vector<ReportSection>& sections) {
  std::string out = "# LongAlign recipe run\n\n";
  for (const ReportSection& s : sections)
    out += "## " + s.title + "\n\n" + from_line_markdown(s) + "\n" + s.markdown + "\n";
  return out;
}

std::string report_html(const std::vector<ReportSection>& sections) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>LongAlign recipe run</title>\n" +
      std::string(kStyle) + "</head><body>\n<h1>LongAlign recipe run</h1>\n<nav>";
  for (const ReportSection& s : sections)
    out += "<a href=\"#" + s.id + "\">" + markup_escape(s.title) + "</a>";
  out += "</nav>\n";
  for (const ReportSection& s : sections) {
    out += "<section id=\"" + s.id + "\"><h2>" + markup_escape(s.title) + "</h2>\n" +
           from_line_html(s) + s.html + "</section>\n";
  }
  return out + "</body></html>\n";
}

fs::path write_report(const RunPaths& paths) {
  const auto sections = report_sections(paths);
  write_file_atomic(paths.run / "report.md", report_markdown(sections));
  write_file_atomic(paths.run / "report.html", report_html(sections));
  return paths.run / "report.html";
}

}  // namespace longalign::recipe
