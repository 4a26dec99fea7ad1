#include "logstore/push/json_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "common/go/strconv.h"
#include "common/strings.h"

namespace logstack::logstore::push {

namespace {

constexpr int kMaxDepth = 512;
constexpr std::string_view kStreamsPrefix =
    "loghttp.PushRequest.Streams: []loghttp.LogProtoStream: ";

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Writes the UTF-8 form of r (a code point, not a surrogate) at w and returns
// the byte after it.
char* PutUtf8(char* w, char32_t r) {
  if (r < 0x80) {
    *w++ = static_cast<char>(r);
  } else if (r < 0x800) {
    *w++ = static_cast<char>(0xC0 | (r >> 6));
    *w++ = static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (r >> 12));
    *w++ = static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (r & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (r >> 18));
    *w++ = static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (r & 0x3F));
  }
  return w;
}

class Parser {
 public:
  explicit Parser(PushRequest* req)
      : req_(req),
        begin_(req->body.data()),
        p_(req->body.data()),
        end_(req->body.data() + req->body.size()) {}

  const std::string& error() const { return error_; }

  bool Parse() {
    SkipWs();
    if (p_ >= end_) {
      error_ = "EOF";
      return false;
    }
    if (*p_ == 'n') {
      if (!Literal("null")) return false;
    } else if (*p_ != '{') {
      prefix_ = "";
      return Fail(std::string("readObjectStart: expect { or n, but found ") + *p_);
    } else if (!Object("the request", [&](std::string_view key) {
                 if (EqualsIgnoreCase(key, "streams")) return Streams();
                 prefix_ = "loghttp.PushRequest: ";
                 return SkipValue(0);
               })) {
      return false;
    }
    SkipWs();
    if (p_ < end_) {
      prefix_ = "loghttp.PushRequest: ";
      return Fail("data after the top-level object");
    }
    return true;
  }

 private:
  // Fails with "<prefix><what>, error found in #N byte of ...|near|...,
  // bigger context ...|far|...", the context jsoniter shows: up to 10 (near)
  // and 50 (far) bytes on each side of the byte after the offending one, N
  // counting from the start of the near context.
  bool Fail(const std::string& what) {
    size_t size = static_cast<size_t>(end_ - begin_);
    size_t head = std::min(size, static_cast<size_t>(p_ - begin_) + 1);
    size_t near_from = head >= 10 ? head - 10 : 0;
    size_t near_to = std::min(size, head + 10);
    size_t far_from = head >= 50 ? head - 50 : 0;
    size_t far_to = std::min(size, head + 50);
    error_ = std::string(prefix_) + what + ", error found in #" + std::to_string(head - near_from) +
             " byte of ...|" + std::string(begin_ + near_from, near_to - near_from) +
             "|..., bigger context ...|" + std::string(begin_ + far_from, far_to - far_from) +
             "|...";
    return false;
  }

  bool FailFound(const std::string& expected) {
    if (p_ >= end_) return Fail(expected + ", but found the end of the input");
    return Fail(expected + ", but found " + std::string(1, *p_));
  }

  void SkipWs() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) p_++;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return Fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  // Iterates an object at p_ ('{'), calling on_value(key) with p_ at each
  // value. REQUIRES: *p_ == '{'.
  template <typename F>
  bool Object(const char* what, F&& on_value) {
    p_++;
    SkipWs();
    if (p_ < end_ && *p_ == '}') {
      p_++;
      return true;
    }
    while (true) {
      if (p_ >= end_ || *p_ != '"') return FailFound(std::string("expect \" for an object key"));
      std::string_view key;
      if (!String(&key)) return false;
      SkipWs();
      if (p_ >= end_ || *p_ != ':') return FailFound("expect : after an object key");
      p_++;
      SkipWs();
      if (p_ >= end_) return FailFound("expect a value");
      if (!on_value(key)) return false;
      SkipWs();
      if (p_ < end_ && *p_ == ',') {
        p_++;
        SkipWs();
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        p_++;
        return true;
      }
      return FailFound(std::string("expect , or } in ") + what);
    }
  }

  // Iterates an array at p_ ('['), calling on_element(index) with p_ at each
  // element. REQUIRES: *p_ == '['.
  template <typename F>
  bool Array(const char* what, F&& on_element) {
    p_++;
    SkipWs();
    if (p_ < end_ && *p_ == ']') {
      p_++;
      return true;
    }
    for (size_t i = 0;; i++) {
      if (p_ >= end_) return FailFound("expect a value");
      if (!on_element(i)) return false;
      SkipWs();
      if (p_ < end_ && *p_ == ',') {
        p_++;
        SkipWs();
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        p_++;
        return true;
      }
      return FailFound(std::string("expect , or ] in ") + what);
    }
  }

  // Reads the string at p_ ('"'), unescaping it in place.
  bool String(std::string_view* out) {
    char* s = p_ + 1;
    auto* q = static_cast<char*>(std::memchr(s, '"', static_cast<size_t>(end_ - s)));
    if (q == nullptr) return Fail("unterminated string");
    auto* b = static_cast<char*>(std::memchr(s, '\\', static_cast<size_t>(q - s)));
    if (b == nullptr) {
      *out = std::string_view(s, static_cast<size_t>(q - s));
      p_ = q + 1;
      return true;
    }
    char* w = b;
    char* r = b;
    while (true) {
      // *r == '\\'
      if (end_ - r < 2) {
        p_ = r;
        return Fail("unterminated string");
      }
      char e = r[1];
      switch (e) {
        case '"':
          *w++ = '"';
          r += 2;
          break;
        case '\\':
          *w++ = '\\';
          r += 2;
          break;
        case '/':
          *w++ = '/';
          r += 2;
          break;
        case 'b':
          *w++ = '\b';
          r += 2;
          break;
        case 'f':
          *w++ = '\f';
          r += 2;
          break;
        case 'n':
          *w++ = '\n';
          r += 2;
          break;
        case 'r':
          *w++ = '\r';
          r += 2;
          break;
        case 't':
          *w++ = '\t';
          r += 2;
          break;
        case 'u': {
          char32_t cp;
          if (!Hex4(r + 2, &cp)) {
            p_ = r;
            return Fail("invalid \\u escape in string");
          }
          r += 6;
          if (cp >= 0xD800 && cp < 0xDC00) {
            char32_t lo;
            if (end_ - r >= 6 && r[0] == '\\' && r[1] == 'u' && Hex4(r + 2, &lo) && lo >= 0xDC00 &&
                lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              r += 6;
            } else {
              cp = 0xFFFD;  // a lone surrogate, as Go decodes it
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          w = PutUtf8(w, cp);
          break;
        }
        default:
          p_ = r;
          return Fail("invalid escape in string");
      }
      q = static_cast<char*>(std::memchr(r, '"', static_cast<size_t>(end_ - r)));
      if (q == nullptr) {
        p_ = r;
        return Fail("unterminated string");
      }
      b = static_cast<char*>(std::memchr(r, '\\', static_cast<size_t>(q - r)));
      char* stop = b != nullptr ? b : q;
      std::memmove(w, r, static_cast<size_t>(stop - r));
      w += stop - r;
      r = stop;
      if (b == nullptr) {
        *out = std::string_view(s, static_cast<size_t>(w - s));
        p_ = q + 1;
        return true;
      }
    }
  }

  bool Hex4(const char* h, char32_t* cp) {
    if (end_ - h < 4) return false;
    char32_t v = 0;
    for (int i = 0; i < 4; i++) {
      int d = HexVal(h[i]);
      if (d < 0) return false;
      v = v * 16 + static_cast<char32_t>(d);
    }
    *cp = v;
    return true;
  }

  bool SkipNumber() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') p_++;
    auto digits = [&] {
      const char* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') p_++;
      return p_ > d;
    };
    if (!digits()) {
      p_ = const_cast<char*>(start);
      return Fail("invalid value");
    }
    if (p_ < end_ && *p_ == '.') {
      p_++;
      if (!digits()) return Fail("invalid number");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      p_++;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) p_++;
      if (!digits()) return Fail("invalid number");
    }
    return true;
  }

  // Skips any JSON value at p_.
  bool SkipValue(int depth) {
    if (depth > kMaxDepth) return Fail("nesting too deep");
    switch (*p_) {
      case '{':
        return Object("object", [&](std::string_view) { return SkipValue(depth + 1); });
      case '[':
        return Array("array", [&](size_t) { return SkipValue(depth + 1); });
      case '"': {
        std::string_view ignored;
        return String(&ignored);
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return SkipNumber();
    }
  }

  // A value starting with 'n' can only be null (or an error).
  bool IsNull() const { return *p_ == 'n'; }

  bool Streams() {
    prefix_ = kStreamsPrefix;
    req_->streams.clear();  // a repeated key: the last one counts
    if (IsNull()) return Literal("null");
    if (*p_ != '[') return FailFound("decode slice: expect [ or n");
    return Array("streams", [&](size_t) {
      if (IsNull()) return Literal("null");
      if (*p_ != '{') return FailFound("expect { or n for a stream");
      req_->streams.emplace_back();
      PushStream& stream = req_->streams.back();
      stream.from_json = true;
      return Object("a stream", [&](std::string_view key) {
        if (key == "stream") return Labels(&stream);
        if (key == "values") return Values(&stream);
        return SkipValue(1);
      });
    });
  }

  bool Labels(PushStream* stream) {
    stream->labels.clear();
    if (IsNull()) return Literal("null");
    if (*p_ != '{') return FailFound("expect { or n for the stream's labels");
    bool ok = Object("the stream's labels", [&](std::string_view key) {
      if (*p_ != '"') return FailFound("a label value must be a string");
      std::string_view value;
      if (!String(&value)) return false;
      stream->labels.push_back(LabelRef{key, value});
      return true;
    });
    if (!ok) return false;
    // A repeated key keeps its last value (and its first position).
    auto& labels = stream->labels;
    if (labels.size() < 2) return true;
    size_t out = 0;
    if (labels.size() <= 32) {
      for (size_t i = 0; i < labels.size(); i++) {
        size_t j = 0;
        while (j < out && labels[j].name != labels[i].name) j++;
        if (j < out) {
          labels[j].value = labels[i].value;
        } else {
          labels[out++] = labels[i];
        }
      }
    } else {
      std::unordered_map<std::string_view, size_t> seen;
      for (size_t i = 0; i < labels.size(); i++) {
        auto [it, inserted] = seen.emplace(labels[i].name, out);
        if (inserted) {
          labels[out++] = labels[i];
        } else {
          labels[it->second].value = labels[i].value;
        }
      }
    }
    labels.resize(out);
    return true;
  }

  bool Values(PushStream* stream) {
    if (IsNull()) return Literal("null");
    if (*p_ != '[') return FailFound("expect [ or n for the stream's values");
    return Array("the stream's values", [&](size_t) {
      if (*p_ != '[') {
        return FailFound("a value must be an array [\"<unix nanoseconds>\", \"<line>\"]");
      }
      PushEntry entry;
      entry.metadata_begin = static_cast<uint32_t>(req_->metadata.size());
      size_t elements = 0;
      bool ok = Array("a value", [&](size_t i) {
        elements++;
        if (i == 0) return Timestamp(&entry.timestamp_ns);
        if (i == 1) {
          if (*p_ != '"') return FailFound("the line must be a string");
          return String(&entry.line);
        }
        if (i == 2) return Metadata();
        return SkipValue(1);
      });
      if (!ok) return false;
      if (elements == 0) return Fail("a value needs at least a timestamp");
      entry.metadata_count = static_cast<uint32_t>(req_->metadata.size() - entry.metadata_begin);
      stream->entries.push_back(entry);
      return true;
    });
  }

  bool Timestamp(int64_t* ns) {
    if (*p_ != '"') {
      return FailFound("the timestamp must be a string of digits (Unix nanoseconds)");
    }
    char* start = p_;
    std::string_view s;
    if (!String(&s)) return false;
    bool negative = !s.empty() && s[0] == '-';
    std::string_view digits = negative ? s.substr(1) : s;
    uint64_t v = 0;
    bool ok = !digits.empty();
    for (char c : digits) {
      if (c < '0' || c > '9' || v > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
        ok = false;
        break;
      }
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    uint64_t limit =
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
    if (!ok || v > limit) {
      p_ = start;
      return Fail("the timestamp must be a string of digits (Unix nanoseconds) within int64, got " +
                  go::Quote(s, go::Printable::kSpacesAndFormatChars));
    }
    *ns = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return true;
  }

  bool Metadata() {
    if (IsNull()) return Literal("null");
    if (*p_ != '{') return FailFound("structured metadata must be an object of strings");
    return Object("structured metadata", [&](std::string_view key) {
      if (*p_ != '"') return FailFound("a structured metadata value must be a string");
      std::string_view value;
      if (!String(&value)) return false;
      req_->metadata.push_back(LabelRef{key, value});
      return true;
    });
  }

  PushRequest* req_;
  char* begin_;
  char* p_;
  char* end_;
  std::string_view prefix_ = "loghttp.PushRequest: ";
  std::string error_;
};

}  // namespace

StatusOr<PushRequestPtr> DecodeJsonPush(std::string body) {
  auto req = std::make_unique<PushRequest>();
  req->body = std::move(body);
  Parser parser(req.get());
  if (!parser.Parse()) return InvalidArgument(parser.error());
  return req;
}

}  // namespace logstack::logstore::push
