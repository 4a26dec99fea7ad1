// String functions: Go's strings package as Loki exposes it (ToUpper,
// Replace, TrimPrefix, ...), sprig's string helpers (upper, title, trunc,
// substr, replace, ...), and Loki's own (regexReplaceAll, count, alignLeft,
// urlencode, ...).

#include <re2/re2.h>

#include <cctype>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/go/utf8.h"
#include "logstore/template/functions.h"

namespace logstack::logstore::tmpl {

using go::AppendRune;
using go::DecodeRune;
using go::kRuneError;
using go::RuneCount;
using go::RuneOffset;
namespace {

using Args = std::span<Value>;

Status Str(std::string s, Value* out) {
  *out = Value::String(std::move(s));
  return Status::Ok();
}

Status Bool(bool b, Value* out) {
  *out = Value::Bool(b);
  return Status::Ok();
}

char32_t UpperRune(char32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return r;
  if (r == 0xB5) return 0x39C;
  if ((r >= 0xE0 && r <= 0xFE && r != 0xF7)) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r >= 0x100 && r <= 0x17F && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
      r != 0x17F) {
    bool odd_lower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (odd_lower) return (r % 2 == 0) ? r - 1 : r;
    return (r % 2 == 1) ? r - 1 : r;
  }
  if (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r >= 0x430 && r <= 0x44F) return r - 32;
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  return r;
}

char32_t LowerRune(char32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return r;
  if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
  if (r == 0x178) return 0xFF;
  if (r >= 0x100 && r <= 0x17F && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
      r != 0x17F) {
    bool odd_upper = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (odd_upper) return (r % 2 == 1) ? r + 1 : r;
    return (r % 2 == 0) ? r + 1 : r;
  }
  if (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) return r + 32;
  if (r >= 0x410 && r <= 0x42F) return r + 32;
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  return r;
}

// strings.Map with a case mapping: invalid bytes become U+FFFD, as in Go.
std::string MapRunes(std::string_view s, char32_t (*f)(char32_t)) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(f(c)));
      ++i;
      continue;
    }
    size_t w;
    char32_t r = DecodeRune(s.substr(i), &w);
    AppendRune(f(r), &out);
    i += w;
  }
  return out;
}

bool IsAsciiOnly(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string ToUpperString(std::string_view s) {
  if (IsAsciiOnly(s)) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return out;
  }
  return MapRunes(s, UpperRune);
}

std::string ToLowerString(std::string_view s) {
  if (IsAsciiOnly(s)) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
  }
  return MapRunes(s, LowerRune);
}

bool IsUnicodeSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// strings.Title's word boundary.
bool IsSeparator(char32_t r) {
  if (r <= 0x7F) {
    if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_') {
      return false;
    }
    return true;
  }
  return IsUnicodeSpace(r);
}

std::string_view TrimSpaceView(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e) {
    size_t w;
    char32_t r = DecodeRune(s.substr(b), &w);
    if (!IsUnicodeSpace(r)) break;
    b += w;
  }
  while (e > b) {
    // Step back one rune.
    size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && e - start < 4) {
      --start;
    }
    size_t w;
    char32_t r = DecodeRune(s.substr(start, e - start), &w);
    if (w != e - start) {
      start = e - 1;
      r = kRuneError;
    }
    if (!IsUnicodeSpace(r)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

bool InCutset(char32_t r, std::string_view cutset) {
  for (size_t i = 0; i < cutset.size();) {
    size_t w;
    if (DecodeRune(cutset.substr(i), &w) == r) return true;
    i += w;
  }
  return false;
}

std::string_view TrimLeftView(std::string_view s, std::string_view cutset) {
  while (!s.empty()) {
    size_t w;
    char32_t r = DecodeRune(s, &w);
    if (!InCutset(r, cutset)) break;
    s.remove_prefix(w);
  }
  return s;
}

std::string_view TrimRightView(std::string_view s, std::string_view cutset) {
  while (!s.empty()) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 &&
           s.size() - start < 4) {
      --start;
    }
    size_t w;
    char32_t r = DecodeRune(s.substr(start), &w);
    if (w != s.size() - start) {
      start = s.size() - 1;
      r = kRuneError;
    }
    if (!InCutset(r, cutset)) break;
    s = s.substr(0, start);
  }
  return s;
}

// strings.Replace(s, old, new, n); n < 0 replaces all. False when the
// result would be longer than `max` bytes (it stops building there).
bool ReplaceString(std::string_view s, std::string_view old, std::string_view rep, int64_t n,
                   size_t max, std::string* result) {
  std::string& out = *result;
  out.clear();
  if (n == 0) {
    out.assign(s);
    return out.size() <= max;
  }
  if (old.empty()) {
    // Go inserts `rep` at the start and after each rune.
    int64_t done = 0;
    size_t i = 0;
    while (n < 0 || done < n) {
      if (out.size() > max) return false;
      out.append(rep);
      ++done;
      if (i >= s.size()) break;
      size_t w;
      DecodeRune(s.substr(i), &w);
      out.append(s.substr(i, w));
      i += w;
    }
    out.append(s.substr(i));
    return out.size() <= max;
  }
  size_t i = 0;
  int64_t done = 0;
  while (n < 0 || done < n) {
    if (out.size() > max) return false;
    size_t x = s.find(old, i);
    if (x == std::string_view::npos) break;
    out.append(s.substr(i, x - i));
    out.append(rep);
    i = x + old.size();
    ++done;
  }
  out.append(s.substr(i));
  return out.size() <= max;
}

Status FnToUpper(Args a, const CallContext&, Value* out) {
  return Str(ToUpperString(a[0].str()), out);
}
Status FnToLower(Args a, const CallContext&, Value* out) {
  return Str(ToLowerString(a[0].str()), out);
}

Status FnTitle(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  std::string res;
  char32_t prev = ' ';
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = DecodeRune(s.substr(i), &w);
    AppendRune(IsSeparator(prev) ? UpperRune(r) : r, &res);
    prev = r;
    i += w;
  }
  return Str(std::move(res), out);
}

// Loki's Replace: strings.Replace(s, old, new, n).
Status FnGoReplace(Args a, const CallContext& c, Value* out) {
  std::string res;
  if (!ReplaceString(a[0].str(), a[1].str(), a[2].str(), a[3].int_value(), c.max_bytes, &res)) {
    return TooLarge(c);
  }
  return Str(std::move(res), out);
}

// sprig's replace old new src.
Status FnReplace(Args a, const CallContext& c, Value* out) {
  std::string res;
  if (!ReplaceString(a[2].str(), a[0].str(), a[1].str(), -1, c.max_bytes, &res)) {
    return TooLarge(c);
  }
  return Str(std::move(res), out);
}

Status FnGoTrim(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimRightView(TrimLeftView(a[0].str(), a[1].str()), a[1].str())), out);
}
Status FnGoTrimLeft(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimLeftView(a[0].str(), a[1].str())), out);
}
Status FnGoTrimRight(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimRightView(a[0].str(), a[1].str())), out);
}

std::string_view TrimPrefixView(std::string_view s, std::string_view p) {
  return s.starts_with(p) ? s.substr(p.size()) : s;
}
std::string_view TrimSuffixView(std::string_view s, std::string_view p) {
  return s.ends_with(p) ? s.substr(0, s.size() - p.size()) : s;
}

Status FnGoTrimPrefix(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimPrefixView(a[0].str(), a[1].str())), out);
}
Status FnGoTrimSuffix(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimSuffixView(a[0].str(), a[1].str())), out);
}
Status FnTrimSpace(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimSpaceView(a[0].str())), out);
}
// sprig's argument order: the string comes last.
Status FnTrimAll(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimRightView(TrimLeftView(a[1].str(), a[0].str()), a[0].str())), out);
}
Status FnTrimPrefix(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimPrefixView(a[1].str(), a[0].str())), out);
}
Status FnTrimSuffix(Args a, const CallContext&, Value* out) {
  return Str(std::string(TrimSuffixView(a[1].str(), a[0].str())), out);
}

Status FnTrunc(Args a, const CallContext&, Value* out) {
  int64_t c = a[0].int_value();
  std::string_view s = a[1].str();
  int64_t n = static_cast<int64_t>(s.size());
  if (c < 0 && n + c > 0) return Str(std::string(s.substr(n + c)), out);
  if (c >= 0 && n > c) return Str(std::string(s.substr(0, c)), out);
  *out = a[1];
  return Status::Ok();
}

Status SliceBounds(int64_t lo, int64_t hi, int64_t len) {
  return CallError("runtime error: slice bounds out of range [" + std::to_string(lo) + ":" +
                   std::to_string(hi) + "] with length " + std::to_string(len));
}

Status FnSubstr(Args a, const CallContext&, Value* out) {
  int64_t start = a[0].int_value(), end = a[1].int_value();
  std::string_view s = a[2].str();
  int64_t n = static_cast<int64_t>(s.size());
  if (start < 0) {
    if (end < 0 || end > n) return SliceBounds(0, end, n);
    return Str(std::string(s.substr(0, end)), out);
  }
  if (end < 0 || end > n) {
    if (start > n) return SliceBounds(start, n, n);
    return Str(std::string(s.substr(start)), out);
  }
  if (start > end) return SliceBounds(start, end, n);
  return Str(std::string(s.substr(start, end - start)), out);
}

Status FnContains(Args a, const CallContext&, Value* out) {
  return Bool(a[1].str().find(a[0].str()) != std::string_view::npos, out);
}
Status FnHasPrefix(Args a, const CallContext&, Value* out) {
  return Bool(a[1].str().starts_with(a[0].str()), out);
}
Status FnHasSuffix(Args a, const CallContext&, Value* out) {
  return Bool(a[1].str().ends_with(a[0].str()), out);
}

// strings.Repeat, refused when the result would pass ctx.max_bytes.
Status Repeat(std::string_view s, int64_t count, const CallContext& c, std::string* res) {
  if (count < 0) return CallError("strings: negative Repeat count");
  if (s.empty()) return Status::Ok();
  if (static_cast<uint64_t>(count) > c.max_bytes / s.size()) return TooLarge(c);
  res->reserve(s.size() * count);
  for (int64_t i = 0; i < count; ++i) res->append(s);
  return Status::Ok();
}

Status FnIndent(Args a, const CallContext& c, Value* out) {
  std::string pad;
  LOGSTACK_RETURN_IF_ERROR(Repeat(" ", a[0].int_value(), c, &pad));
  std::string body;
  if (!ReplaceString(a[1].str(), "\n", "\n" + pad, -1, c.max_bytes - pad.size(), &body)) {
    return TooLarge(c);
  }
  return Str(pad + body, out);
}

Status FnNindent(Args a, const CallContext& c, Value* out) {
  LOGSTACK_RETURN_IF_ERROR(FnIndent(a, c, out));
  return Str("\n" + std::string(out->str()), out);
}

Status FnRepeat(Args a, const CallContext& c, Value* out) {
  std::string res;
  LOGSTACK_RETURN_IF_ERROR(Repeat(a[1].str(), a[0].int_value(), c, &res));
  return Str(std::move(res), out);
}

Status FnAbbrev(Args a, const CallContext&, Value* out) {
  int64_t width = a[0].int_value();
  std::string_view s = a[1].str();
  if (width < 4 || static_cast<int64_t>(s.size()) <= width) {
    *out = a[1];
    return Status::Ok();
  }
  return Str(std::string(s.substr(0, width - 3)) + "...", out);
}

Status FnAlign(Args a, const CallContext& c, Value* out, bool left) {
  int64_t count = a[0].int_value();
  std::string_view s = a[1].str();
  int64_t n = static_cast<int64_t>(RuneCount(s));
  if (count < 0 || count == n) {
    *out = a[1];
    return Status::Ok();
  }
  if (count > n) {
    if (static_cast<uint64_t>(count - n) > c.max_bytes - std::min(c.max_bytes, s.size())) {
      return TooLarge(c);
    }
    std::string pad(count - n, ' ');
    return Str(left ? std::string(s) + pad : pad + std::string(s), out);
  }
  if (left) return Str(std::string(s.substr(0, RuneOffset(s, count))), out);
  return Str(std::string(s.substr(RuneOffset(s, n - count))), out);
}
Status FnAlignLeft(Args a, const CallContext& c, Value* out) { return FnAlign(a, c, out, true); }
Status FnAlignRight(Args a, const CallContext& c, Value* out) { return FnAlign(a, c, out, false); }

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status FnB64Enc(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  std::string res;
  res.reserve((s.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16 |
                 static_cast<unsigned char>(s[i + 1]) << 8 | static_cast<unsigned char>(s[i + 2]);
    res.push_back(kB64[v >> 18]);
    res.push_back(kB64[(v >> 12) & 63]);
    res.push_back(kB64[(v >> 6) & 63]);
    res.push_back(kB64[v & 63]);
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    res.push_back(kB64[v >> 18]);
    res.push_back(kB64[(v >> 12) & 63]);
    res.push_back(i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=');
    res.push_back('=');
  }
  return Str(std::move(res), out);
}

// base64.StdEncoding.DecodeString; sprig returns the error's text as the
// result.
Status FnB64Dec(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  std::string res;
  uint32_t acc = 0;
  int bits = 0;
  size_t quantum = 0;  // characters read in the current group of four
  size_t pad = 0;
  auto fail = [&](size_t at) {
    return Str("illegal base64 data at input byte " + std::to_string(at), out);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      if (quantum < 2) return fail(i);
      ++pad;
      ++quantum;
      if (quantum == 4) {
        // Only newlines may follow the padding.
        for (size_t k = i + 1; k < s.size(); ++k) {
          if (s[k] != '\r' && s[k] != '\n') return fail(k);
        }
        break;
      }
      continue;
    }
    if (pad > 0) return fail(i);
    const char* p = std::char_traits<char>::find(kB64, 64, c);
    if (p == nullptr) return fail(i);
    acc = acc << 6 | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      res.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
    quantum = (quantum + 1) % 4;
  }
  if (pad == 1 && quantum != 0 && quantum != 4) return fail(s.size());
  if (pad == 0 && quantum != 0) return fail(s.size() - (quantum == 1 ? 1 : 0));
  return Str(std::move(res), out);
}

Status FnDefault(Args a, const CallContext&, Value* out) {
  if (a.size() < 2 || IsEmpty(a[1])) {
    *out = a[0];
  } else {
    *out = a[1];
  }
  return Status::Ok();
}

// Compiled regular expressions, cached per thread: Loki's functions compile
// their pattern on every call, which is the same answer, only slower.
const RE2* CompileRegexp(std::string_view pattern, std::string* error) {
  thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
  auto it = cache.find(std::string(pattern));
  if (it != cache.end()) return it->second.get();
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    *error = "error parsing regexp: " + re->error();
    return nullptr;
  }
  if (cache.size() >= 256) cache.clear();
  const RE2* ptr = re.get();
  cache.emplace(std::string(pattern), std::move(re));
  return ptr;
}

// Go's Regexp.Expand for a replacement template: $1, ${1}, $name, ${name},
// $$; a malformed reference is copied as text. Stops once *out is longer
// than `max` (the caller then fails).
void Expand(std::string_view tmpl, const RE2& re, const re2::StringPiece* groups, int ngroups,
            size_t max, std::string* out) {
  for (size_t i = 0; i < tmpl.size() && out->size() <= max;) {
    size_t d = tmpl.find('$', i);
    if (d == std::string_view::npos) {
      out->append(tmpl.substr(i));
      return;
    }
    out->append(tmpl.substr(i, d - i));
    i = d + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out->push_back('$');
      ++i;
      continue;
    }
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t j = brace ? i + 1 : i;
    size_t name_start = j;
    while (j < tmpl.size()) {
      size_t w;
      char32_t r = DecodeRune(tmpl.substr(j), &w);
      bool word = r == '_' || (r < 0x80 && std::isalnum(static_cast<int>(r))) ||
                  (r >= 0x80 && r != kRuneError);
      if (!word) break;
      j += w;
    }
    std::string_view name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out->push_back('$');  // malformed: keep the '$' and go on after it
      continue;
    }
    i = brace ? j + 1 : j;
    int index = -1;
    bool numeric = true;
    for (char c : name) numeric = numeric && c >= '0' && c <= '9';
    if (numeric) {
      if (name.size() <= 9) index = std::stoi(std::string(name));
    } else {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) index = it->second;
    }
    if (index >= 0 && index < ngroups && groups[index].data() != nullptr) {
      out->append(groups[index].data(), groups[index].size());
    }
  }
}

// Regexp.ReplaceAllString / ReplaceAllLiteralString.
Status ReplaceAll(Args a, const CallContext& c, Value* out, bool literal) {
  std::string err;
  const RE2* re = CompileRegexp(a[0].str(), &err);
  if (re == nullptr) return CallError(err);
  std::string_view src = a[1].str();
  std::string_view repl = a[2].str();
  int ngroups = literal ? 1 : re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  re2::StringPiece text(src.data(), src.size());
  std::string res;
  size_t last_end = 0;
  size_t pos = 0;
  bool any = false;
  while (pos <= src.size()) {
    if (res.size() > c.max_bytes) return TooLarge(c);
    if (!re->Match(text, pos, src.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t ms = groups[0].data() - src.data();
    size_t me = ms + groups[0].size();
    res.append(src.substr(last_end, ms - last_end));
    if (me > last_end || ms == 0) {
      if (literal) {
        res.append(repl);
      } else {
        Expand(repl, *re, groups.data(), ngroups, c.max_bytes, &res);
      }
    }
    any = true;
    last_end = me;
    size_t width = 0;
    if (pos < src.size()) DecodeRune(src.substr(pos), &width);
    if (pos + width > me) {
      pos += width;
    } else if (pos + 1 > me) {
      pos += 1;
    } else {
      pos = me;
    }
  }
  if (!any) {
    *out = a[1];
    return Status::Ok();
  }
  res.append(src.substr(last_end));
  return Str(std::move(res), out);
}

Status FnRegexReplaceAll(Args a, const CallContext& c, Value* out) {
  return ReplaceAll(a, c, out, false);
}
Status FnRegexReplaceAllLiteral(Args a, const CallContext& c, Value* out) {
  return ReplaceAll(a, c, out, true);
}

// Loki's count: the number of matches of a regular expression
// (Regexp.FindAllStringIndex).
Status FnCount(Args a, const CallContext&, Value* out) {
  std::string err;
  const RE2* re = CompileRegexp(a[0].str(), &err);
  if (re == nullptr) return CallError(err);
  std::string_view s = a[1].str();
  re2::StringPiece text(s.data(), s.size());
  re2::StringPiece m;
  int64_t n = 0;
  size_t pos = 0;
  int64_t prev_end = -1;
  while (pos <= s.size()) {
    if (!re->Match(text, pos, s.size(), RE2::UNANCHORED, &m, 1)) break;
    int64_t ms = m.data() - s.data();
    int64_t me = ms + static_cast<int64_t>(m.size());
    bool accept = true;
    if (me == static_cast<int64_t>(pos)) {
      if (ms == prev_end) accept = false;
      size_t w = 1;
      if (pos < s.size()) DecodeRune(s.substr(pos), &w);
      pos += w;
    } else {
      pos = me;
    }
    prev_end = me;
    if (accept) ++n;
  }
  *out = Value::Int(n);
  return Status::Ok();
}

Status FnUrlEncode(Args a, const CallContext&, Value* out) {
  return Str(QueryEscape(a[0].str()), out);
}

// url.QueryUnescape.
Status FnUrlDecode(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  std::string res;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      res.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
        std::string bad(s.substr(i, 3));
        return CallError("invalid URL escape \"" + bad + "\"");
      }
      res.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      res.push_back(s[i]);
    }
  }
  return Str(std::move(res), out);
}

constexpr FuncDef kStrings[] = {
    // Go's strings package, as Loki names it.
    {"ToLower", "s", FnToLower},
    {"ToUpper", "s", FnToUpper},
    {"Replace", "sssi", FnGoReplace},
    {"Trim", "ss", FnGoTrim},
    {"TrimLeft", "ss", FnGoTrimLeft},
    {"TrimRight", "ss", FnGoTrimRight},
    {"TrimPrefix", "ss", FnGoTrimPrefix},
    {"TrimSuffix", "ss", FnGoTrimSuffix},
    {"TrimSpace", "s", FnTrimSpace},
    // sprig.
    {"lower", "s", FnToLower},
    {"upper", "s", FnToUpper},
    {"title", "s", FnTitle},
    {"trunc", "is", FnTrunc},
    {"substr", "iis", FnSubstr},
    {"contains", "ss", FnContains},
    {"hasPrefix", "ss", FnHasPrefix},
    {"hasSuffix", "ss", FnHasSuffix},
    {"indent", "is", FnIndent},
    {"nindent", "is", FnNindent},
    {"replace", "sss", FnReplace},
    {"repeat", "is", FnRepeat},
    {"trim", "s", FnTrimSpace},
    {"trimAll", "ss", FnTrimAll},
    {"trimPrefix", "ss", FnTrimPrefix},
    {"trimSuffix", "ss", FnTrimSuffix},
    {"abbrev", "is", FnAbbrev},
    {"b64enc", "s", FnB64Enc},
    {"b64dec", "s", FnB64Dec},
    {"default", "aa*", FnDefault},
    // Loki.
    {"regexReplaceAll", "sss", FnRegexReplaceAll},
    {"regexReplaceAllLiteral", "sss", FnRegexReplaceAllLiteral},
    {"count", "ss", FnCount},
    {"urlencode", "s", FnUrlEncode},
    {"urldecode", "s", FnUrlDecode},
    {"alignLeft", "is", FnAlignLeft},
    {"alignRight", "is", FnAlignRight},
};

}  // namespace

std::string QueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string res;
  res.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      res.push_back(ch);
    } else if (c == ' ') {
      res.push_back('+');
    } else {
      res.push_back('%');
      res.push_back(kHex[c >> 4]);
      res.push_back(kHex[c & 15]);
    }
  }
  return res;
}

std::span<const FuncDef> StringFunctions() { return kStrings; }

}  // namespace logstack::logstore::tmpl
