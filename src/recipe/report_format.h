// The pieces the report is written with: tables in Markdown and HTML and inline SVG
// (text is escaped with core/svg.h's markup_escape).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::recipe {

using Rows = std::vector<std::vector<std::string>>;  // the first row is the header

std::string markdown_table(const Rows& rows);
std::string html_table(const Rows& rows);
// An SVG file's text as an inline figure (its XML declaration dropped).
std::string html_figure(std::string_view svg);

}  // namespace longalign::recipe
