#include "logstore/push/decompress.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/go/strconv.h"

namespace logstack::logstore::push {

namespace {

constexpr size_t kMaxChunk = size_t{1} << 30;  // what one inflate() call is given, < 4 GiB
constexpr size_t kMinOutput = 64 << 10;
// How far a gzip trailer's size is believed before output is seen: a forged
// trailer must not make a small body take much memory up front.
constexpr size_t kMaxTrustedRatio = 16;

// RAII for a z_stream set up for inflating.
class Inflater {
 public:
  explicit Inflater(int window_bits) { ok_ = inflateInit2(&zs_, window_bits) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  bool ok() const { return ok_; }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

enum class Format { kGzip, kRaw };

// Output that grows on demand up to limit + 1 bytes, so that going past the
// limit is seen without taking more memory than that.
class Output {
 public:
  Output(size_t size_hint, size_t limit) : limit_(limit) {
    buf_.resize(std::min(std::max(size_hint, kMinOutput), limit + 1));
  }

  // Makes room for more output. Returns false when the limit is reached.
  bool Grow() {
    if (used_ < buf_.size()) return true;
    if (buf_.size() > limit_) return false;
    size_t next = std::min(std::max(buf_.size() * 2, kMinOutput), limit_ + 1);
    buf_.resize(next);
    return true;
  }

  char* free_begin() { return buf_.data() + used_; }
  size_t free_size() const { return buf_.size() - used_; }
  void Produced(size_t n) { used_ += n; }
  size_t used() const { return used_; }
  bool over_limit() const { return used_ > limit_; }

  std::string Take() {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  std::string buf_;
  size_t used_ = 0;
  size_t limit_;
};

Status TooLarge(size_t limit) {
  return InvalidArgument("decompressed body is larger than " + std::to_string(limit) + " bytes");
}

Status Corrupt(size_t offset) {
  return InvalidArgument("flate: corrupt input before offset " + std::to_string(offset));
}

// Inflates one gzip member or raw deflate stream starting at in[*pos].
// Advances *pos past what it consumed. Returns OK at the end of the stream.
Status InflateOne(z_stream* zs, std::string_view in, size_t* pos, Output* out, size_t limit,
                  Format format) {
  size_t start = *pos;
  while (true) {
    if (!out->Grow()) return TooLarge(limit);
    size_t in_avail = std::min(in.size() - *pos, kMaxChunk);
    size_t out_avail = std::min(out->free_size(), kMaxChunk);
    zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + *pos));
    zs->avail_in = static_cast<uInt>(in_avail);
    zs->next_out = reinterpret_cast<Bytef*>(out->free_begin());
    zs->avail_out = static_cast<uInt>(out_avail);
    int ret = inflate(zs, Z_NO_FLUSH);
    *pos += in_avail - zs->avail_in;
    out->Produced(out_avail - zs->avail_out);
    if (out->over_limit()) return TooLarge(limit);
    switch (ret) {
      case Z_STREAM_END:
        return Status::Ok();
      case Z_OK:
        continue;
      case Z_BUF_ERROR:
        if (zs->avail_out == 0) continue;          // needs more room
        return InvalidArgument("unexpected EOF");  // the input ran out
      case Z_DATA_ERROR: {
        std::string_view msg = zs->msg != nullptr ? zs->msg : "";
        if (format == Format::kGzip) {
          if (msg == "incorrect data check" || msg == "incorrect length check") {
            return InvalidArgument("gzip: invalid checksum");
          }
          if (msg == "incorrect header check" || msg == "unknown compression method" ||
              msg == "unknown header flags set" || msg == "header crc mismatch") {
            return InvalidArgument("gzip: invalid header");
          }
        }
        return Corrupt(*pos - start);
      }
      case Z_MEM_ERROR:
        return ResourceExhausted("out of memory while decompressing the body");
      default:
        return Corrupt(*pos - start);
    }
  }
}

StatusOr<std::string> Gunzip(const std::string& body, size_t limit) {
  if (body.empty()) return InvalidArgument("EOF");
  // The last member's trailer holds its size mod 2^32: a good first guess.
  size_t hint = body.size() * 4;
  if (body.size() >= 18) {
    uint32_t isize;
    std::memcpy(&isize, body.data() + body.size() - 4, 4);
    hint = std::min<size_t>(std::max<size_t>(isize, 1), body.size() * kMaxTrustedRatio);
  }
  Output out(hint, limit);
  Inflater inflater(16 + MAX_WBITS);  // gzip wrapper only
  if (!inflater.ok()) return Internal("inflateInit2 failed");
  std::string_view in = body;
  size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 10) return InvalidArgument("unexpected EOF");
    auto b = [&](size_t i) { return static_cast<unsigned char>(in[pos + i]); };
    if (b(0) != 0x1f || b(1) != 0x8b || b(2) != 8) return InvalidArgument("gzip: invalid header");
    inflateReset(inflater.get());
    LOGSTACK_RETURN_IF_ERROR(InflateOne(inflater.get(), in, &pos, &out, limit, Format::kGzip));
  }
  return out.Take();
}

StatusOr<std::string> InflateRaw(const std::string& body, size_t limit) {
  Output out(body.size() * 4, limit);
  Inflater inflater(-MAX_WBITS);
  if (!inflater.ok()) return Internal("inflateInit2 failed");
  size_t pos = 0;
  Status st = InflateOne(inflater.get(), body, &pos, &out, limit, Format::kRaw);
  if (!st.ok()) {
    // Nothing decoded (the limit cannot be the cause: it is only passed after
    // output): Loki's decoder sees an empty body.
    if (out.used() == 0 && st.code() == StatusCode::kInvalidArgument) {
      return InvalidArgument("EOF");
    }
    return st;
  }
  return out.Take();  // bytes after the final block are ignored, as Loki does
}

}  // namespace

bool IsIdentityContentEncoding(std::string_view content_encoding) {
  return content_encoding.empty() || content_encoding == "identity" || content_encoding == "snappy";
}

StatusOr<std::string> DecodeContentEncoding(std::string_view content_encoding, std::string body,
                                            size_t max_decoded_bytes) {
  if (IsIdentityContentEncoding(content_encoding)) return body;
  // The output buffer may hold max + 1 bytes: keep that from overflowing.
  max_decoded_bytes = std::min(max_decoded_bytes, std::numeric_limits<size_t>::max() / 2);
  if (content_encoding == "gzip") return Gunzip(body, max_decoded_bytes);
  if (content_encoding == "deflate") return InflateRaw(body, max_decoded_bytes);
  return InvalidArgument("Content-Encoding " +
                         go::Quote(content_encoding, go::Printable::kSpacesAndFormatChars) +
                         " not supported");
}

}  // namespace logstack::logstore::push
