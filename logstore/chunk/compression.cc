#include "logstore/chunk/compression.h"

#include <snappy.h>
#include <zstd.h>

#include <memory>

namespace logstack::logstore::chunk {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread: creating a zstd context costs far more than
// compressing a small block, and contexts are not thread-safe.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

Status LengthMismatch(std::string_view codec, uint64_t got, size_t want) {
  return Corruption(std::string(codec) + " block decodes to " + std::to_string(got) +
                    " bytes, expected " + std::to_string(want));
}

Status ZstdDecompress(std::string_view in, size_t raw_len, std::string* out) {
  // The frame header states the content size (Compress always writes it).
  // Checking it first keeps a corrupt length from driving a huge allocation.
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return Corruption("zstd block has an invalid frame header");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Corruption("zstd block does not state its content size");
  }
  if (size != raw_len) return LengthMismatch("zstd", size, raw_len);
  ZSTD_DCtx* dctx = ThreadDCtx();
  if (dctx == nullptr) return Internal("ZSTD_createDCtx failed");
  out->resize(raw_len);
  size_t n = ZSTD_decompressDCtx(dctx, out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    return Corruption(std::string("zstd block does not decompress: ") + ZSTD_getErrorName(n));
  }
  if (n != raw_len) return LengthMismatch("zstd", n, raw_len);
  return Status::Ok();
}

Status SnappyDecompress(std::string_view in, size_t raw_len, std::string* out) {
  size_t size = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &size)) {
    return Corruption("snappy block has an invalid length header");
  }
  if (size != raw_len) return LengthMismatch("snappy", size, raw_len);
  out->resize(raw_len);
  // RawUncompress validates the stream and never writes past `size` bytes.
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    return Corruption("snappy block does not decompress");
  }
  return Status::Ok();
}

}  // namespace

bool IsValidEncoding(uint8_t value) { return value <= static_cast<uint8_t>(Encoding::kZstd); }

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kNone:
      return "none";
    case Encoding::kSnappy:
      return "snappy";
    case Encoding::kZstd:
      return "zstd";
  }
  return "unknown";
}

StatusOr<Encoding> ParseEncoding(std::string_view name) {
  for (Encoding e : {Encoding::kNone, Encoding::kSnappy, Encoding::kZstd}) {
    if (name == EncodingName(e)) return e;
  }
  return InvalidArgument("unknown chunk encoding \"" + std::string(name) +
                         "\" (want none, snappy or zstd)");
}

Status Compress(Encoding encoding, int level, std::string_view in, std::string* out,
                FrameKind kind) {
  switch (encoding) {
    case Encoding::kNone:
      out->assign(in);
      return Status::Ok();
    case Encoding::kSnappy:
      out->clear();
      snappy::Compress(in.data(), in.size(), out);
      return Status::Ok();
    case Encoding::kZstd: {
      if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
        return InvalidArgument("zstd level " + std::to_string(level) + " is outside [" +
                               std::to_string(ZSTD_minCLevel()) + ", " +
                               std::to_string(ZSTD_maxCLevel()) + "]");
      }
      ZSTD_CCtx* cctx = ThreadCCtx();
      if (cctx == nullptr) return Internal("ZSTD_createCCtx failed");
      out->resize(ZSTD_compressBound(in.size()));
      size_t n;
      if (kind == FrameKind::kLines && level >= 1 && level <= 4) {
        // ZSTD_compressCCtx ignores these parameters, so they never leak into
        // another frame compressed with this thread's context.
        ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
        if (!ZSTD_isError(n)) n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, 6);
        if (!ZSTD_isError(n)) {
          n = ZSTD_compress2(cctx, out->data(), out->size(), in.data(), in.size());
        }
      } else {
        n = ZSTD_compressCCtx(cctx, out->data(), out->size(), in.data(), in.size(), level);
      }
      if (ZSTD_isError(n)) {
        return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      }
      out->resize(n);
      return Status::Ok();
    }
  }
  return InvalidArgument("unknown chunk encoding " + std::to_string(static_cast<int>(encoding)));
}

Status Decompress(Encoding encoding, std::string_view in, size_t raw_len, std::string* out) {
  switch (encoding) {
    case Encoding::kNone:
      if (in.size() != raw_len) return LengthMismatch("uncompressed", in.size(), raw_len);
      out->assign(in);
      return Status::Ok();
    case Encoding::kSnappy:
      return SnappyDecompress(in, raw_len, out);
    case Encoding::kZstd:
      return ZstdDecompress(in, raw_len, out);
  }
  return Corruption("unknown chunk encoding " + std::to_string(static_cast<int>(encoding)));
}

}  // namespace logstack::logstore::chunk
