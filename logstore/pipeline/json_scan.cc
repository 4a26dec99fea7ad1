#include "logstore/pipeline/json_scan.h"

#include "logstore/model/labels.h"

namespace logstack::logstore::pipeline::json {
namespace {

constexpr size_t kNone = std::string_view::npos;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Offset of the first non-space byte of data[from:], or kNone.
size_t NextToken(std::string_view data, size_t from) {
  for (size_t i = from; i < data.size(); i++) {
    if (!IsSpace(data[i])) return i;
  }
  return kNone;
}

// data[from:] follows an opening quote: the offset just past the closing
// quote, or kNone. *escaped is set when a backslash was seen.
size_t StringEnd(std::string_view data, size_t from, bool* escaped) {
  *escaped = false;
  for (size_t i = from; i < data.size(); i++) {
    char c = data[i];
    if (c == '"') {
      if (!*escaped) return i + 1;
      // Count the backslashes before this quote.
      size_t j = i, n = 0;
      while (j > from && data[j - 1] == '\\') {
        j--;
        n++;
      }
      if (n % 2 == 0) return i + 1;
    } else if (c == '\\') {
      *escaped = true;
    }
  }
  return kNone;
}

// Offset just past the block that opens at data[from], or kNone.
size_t BlockEnd(std::string_view data, size_t from, char open, char close) {
  int level = 0;
  for (size_t i = from; i < data.size(); i++) {
    char c = data[i];
    if (c == '"') {
      bool esc;
      size_t se = StringEnd(data, i + 1, &esc);
      if (se == kNone) return kNone;
      i = se - 1;
    } else if (c == open) {
      level++;
    } else if (c == close) {
      if (--level == 0) return i + 1;
    }
  }
  return kNone;
}

size_t TokenEnd(std::string_view data, size_t from) {
  for (size_t i = from; i < data.size(); i++) {
    switch (data[i]) {
      case ' ':
      case '\n':
      case '\r':
      case '\t':
      case ',':
      case '}':
      case ']':
        return i;
      default:
        break;
    }
  }
  return data.size();
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Hex4(std::string_view s, size_t at, char32_t* out) {
  if (at + 4 > s.size()) return false;
  char32_t v = 0;
  for (size_t k = 0; k < 4; k++) {
    int h = HexVal(s[at + k]);
    if (h < 0) return false;
    v = v * 16 + static_cast<char32_t>(h);
  }
  *out = v;
  return true;
}

}  // namespace

std::string_view GetValue(std::string_view data, std::string_view* value, Type* type, size_t* end) {
  size_t off = NextToken(data, 0);
  if (off == kNone) return kMalformedJson;
  char c = data[off];
  if (c == '"') {
    *type = Type::kString;
    bool esc;
    size_t se = StringEnd(data, off + 1, &esc);
    if (se == kNone) return kMalformedString;
    *value = data.substr(off + 1, se - off - 2);
    *end = se;
    return {};
  }
  if (c == '[' || c == '{') {
    *type = c == '[' ? Type::kArray : Type::kObject;
    size_t be = BlockEnd(data, off, c, c == '[' ? ']' : '}');
    if (be == kNone) return c == '[' ? kMalformedArray : kMalformedObject;
    *value = data.substr(off, be - off);
    *end = be;
    return {};
  }
  size_t te = TokenEnd(data, off);
  std::string_view v = data.substr(off, te - off);
  switch (c) {
    case 't':
    case 'f':
      if (v != "true" && v != "false") return kUnknownValueType;
      *type = Type::kBoolean;
      break;
    case 'u':
    case 'n':
      if (v != "null") return kUnknownValueType;
      *type = Type::kNull;
      break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      *type = Type::kNumber;
      break;
    default:
      return kUnknownValueType;
  }
  *value = v;
  *end = te;
  return {};
}

std::string_view ObjectEach(std::string_view data, const MemberFn& fn) {
  size_t off = NextToken(data, 0);
  if (off == kNone || data[off] != '{') return kMalformedObject;
  off++;
  size_t t = NextToken(data, off);
  if (t == kNone) return kMalformedJson;
  off = t;
  if (data[off] == '}') return {};
  std::string key_buf;
  while (off < data.size()) {
    if (data[off] == '}') return {};
    if (data[off] != '"') return kMalformedObject;
    off++;
    bool esc;
    size_t se = StringEnd(data, off, &esc);
    if (se == kNone) return kMalformedJson;
    std::string_view key = data.substr(off, se - off - 1);
    off = se;
    if (esc) {
      if (!Unescape(key, &key_buf)) return kMalformedStringEscape;
      key = key_buf;
    }
    t = NextToken(data, off);
    if (t == kNone || data[t] != ':') return kMalformedJson;
    off = t + 1;
    std::string_view value;
    Type type = Type::kUnknown;
    size_t vend = 0;
    std::string_view err = GetValue(data.substr(off), &value, &type, &vend);
    if (!err.empty()) return err;
    err = fn(key, value, type);
    if (!err.empty()) return err;
    off += vend;
    t = NextToken(data, off);
    if (t == kNone) return kMalformedArray;
    off = t;
    if (data[off] == '}') return {};
    if (data[off] != ',') return kMalformedObject;
    off++;
    t = NextToken(data, off);
    if (t == kNone) return kMalformedArray;
    off = t;
  }
  return kMalformedObject;
}

bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= in.size()) return false;
    switch (in[i]) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        char32_t r;
        if (!Hex4(in, i + 1, &r)) return false;
        i += 4;
        if (r >= 0xD800 && r < 0xDC00) {
          char32_t lo;
          if (i + 2 < in.size() && in[i + 1] == '\\' && in[i + 2] == 'u' && Hex4(in, i + 3, &lo) &&
              lo >= 0xDC00 && lo < 0xE000) {
            r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            r = 0xFFFD;
          }
        } else if (r >= 0xDC00 && r < 0xE000) {
          r = 0xFFFD;
        }
        AppendUtf8(out, r);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

void UnescapeForLabel(std::string_view in, std::string* out) {
  std::string tmp;
  if (in.find('\\') == std::string_view::npos) {
    tmp.assign(in);
  } else if (!Unescape(in, &tmp)) {
    out->clear();
    return;
  }
  if (IsCleanUtf8(tmp)) {
    *out = std::move(tmp);
    return;
  }
  out->clear();
  for (size_t i = 0; i < tmp.size();) {
    char32_t r;
    size_t w = DecodeUtf8(std::string_view(tmp).substr(i), &r);
    if (r != 0xFFFD) out->append(tmp, i, w);
    i += w;
  }
}

}  // namespace logstack::logstore::pipeline::json
