// One error type for the whole project: a message that says what went wrong and where.
#pragma once

#include <stdexcept>
#include <string>

namespace longalign {

// A failure the user can act on: bad input, a missing file, an unsupported format.
// The CLI prints "error: <what()>" and exits 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A command line that cannot be run as given. The CLI exits 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

}  // namespace longalign
