// What the server accepts in a request's head (request line, headers, blank line), checked before
// the head is parsed.
#pragma once

#include <cstddef>

namespace longalign::serve {

struct HeadLimits {
  size_t max_bytes = size_t{64} << 10;  // the whole head, blank line included
  size_t max_header_lines = 100;
  size_t max_line_bytes = 8192;  // each line, "\r\n" included; cpp-httplib's own limit too
};

}  // namespace longalign::serve
