#include "recipe/report_format.h"

#include "core/svg.h"

namespace longalign::recipe {

std::string markdown_table(const Rows& rows) {
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (const std::string& cell : rows[r]) out += " " + cell + " |";
    out += "\n";
    if (r == 0) {
      out += "|";
      for (size_t c = 0; c < rows[0].size(); ++c) out += c == 0 ? "---|" : "---:|";
      out += "\n";
    }
  }
  return out;
}

std::string html_table(const Rows& rows) {
  std::string out = "<table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "<tr>";
    for (const std::string& cell : rows[r]) {
      const char* tag = r == 0 ? "th" : "td";
      out += std::string("<") + tag + ">" + markup_escape(cell) + "</" + tag + ">";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string html_figure(std::string_view svg) {
  if (svg.substr(0, 5) == "<?xml") svg.remove_prefix(svg.find("?>") + 2);
  return "<figure>" + std::string(svg) + "</figure>\n";
}

}  // namespace longalign::recipe
