// RUN_DIR/report.md and RUN_DIR/report.html: what the run did, from the files its stages wrote.
// The HTML is one file (charts inline, styles inline, nothing fetched); every section says which
// files it came from and links them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "recipe/stages.h"

namespace longalign::recipe {

struct ReportSection {
  std::string id, title;
  std::vector<std::filesystem::path> from;  // relative to RUN_DIR
  std::string markdown, html;               // the body in each format
};

// The sections for what RUN_DIR holds, in reading order.
std::vector<ReportSection> report_sections(const RunPaths& paths);

std::string report_markdown(const std::vector<ReportSection>& sections);
std::string report_html(const std::vector<ReportSection>& sections);

// Writes both files atomically; returns the path of report.html.
std::filesystem::path write_report(const RunPaths& paths);

}  // namespace longalign::recipe
