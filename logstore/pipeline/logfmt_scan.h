#pragma once

// A logfmt decoder with go-logfmt's grammar and error texts, as Loki's
// `logfmt` parser uses it. Keys run to '=' or a space; values are bare
// (to the next space) or double-quoted with Go escapes. Errors read
//   logfmt syntax error at pos 30 : unexpected '"'
// and, unlike go-logfmt, scanning may resume after one (past the offending
// byte), which is how non-strict parsing skips a bad pair.
//
// Thread safety: one Scanner per thread.

#include <string>
#include <string_view>

namespace logstack::logstore::pipeline {

class LogfmtScanner {
 public:
  void Reset(std::string_view line) {
    line_ = line;
    pos_ = 0;
    err_.clear();
  }
  bool Eol() const { return pos_ >= line_.size(); }
  // Scans the next pair. Returns false on a syntax error (see err()).
  bool Next();
  std::string_view key() const { return key_; }
  // The value; has_value() is false for a bare key or `k=` (empty).
  std::string_view value() const { return value_; }
  bool has_value() const { return has_value_; }
  const std::string& err() const { return err_; }

 private:
  void Error(size_t pos, std::string_view msg);
  void Unexpected(size_t pos, char c);

  std::string_view line_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  bool has_value_ = false;
  std::string unquoted_;
  std::string err_;
};

}  // namespace logstack::logstore::pipeline
