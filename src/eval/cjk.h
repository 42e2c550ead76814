// Which texts count as Chinese. LongBench-Chat reports its score per language, and a query is
// Chinese when it holds a CJK ideograph; the character-based length estimate also counts on it.
#pragma once

#include <string_view>

namespace longalign::eval {

// Whether `text` (UTF-8; ill-formed bytes are skipped) holds a CJK ideograph.
bool has_cjk(std::string_view text);

}  // namespace longalign::eval
