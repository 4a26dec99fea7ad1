#include "logstore/push/proto_decoder.h"

#include <snappy.h>

#include <cinttypes>
#include <cstdio>
#include <limits>

namespace logstack::logstore::push {

namespace {

constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLen = 2;
constexpr int kStartGroup = 3;
constexpr int kEndGroup = 4;
constexpr int kFixed32 = 5;

// Seconds of 0001-01-01 and 10000-01-01, the range a Timestamp may hold.
constexpr int64_t kMinValidSeconds = -62135596800;
constexpr int64_t kMaxValidSeconds = 253402300800;

// The decoder of one message body. Every method returns false on malformed
// input after leaving the reason in *error.
class Parser {
 public:
  Parser(std::string_view data, const char* message, std::string* error)
      : p_(data.data()), end_(data.data() + data.size()), message_(message), error_(error) {}

  bool done() const { return p_ >= end_; }

  // Reads a field's tag the way gogo does: the end-group wire type and field
  // numbers that are not positive once cut to int32 are errors.
  bool Tag(int32_t* field, int* wire) {
    uint64_t tag = 0;
    if (!Varint(&tag)) return false;
    *field = static_cast<int32_t>(static_cast<uint32_t>(tag >> 3));
    *wire = static_cast<int>(tag & 7);
    if (*wire == kEndGroup) return Fail("wiretype end group for non-group");
    if (*field <= 0) {
      char buf[96];
      std::snprintf(buf, sizeof(buf), "illegal tag %" PRId32 " (wire type %" PRIu64 ")", *field,
                    tag);
      return Fail(buf);
    }
    return true;
  }

  bool Varint(uint64_t* v) {
    if (p_ < end_ && static_cast<unsigned char>(*p_) < 0x80) {
      *v = static_cast<unsigned char>(*p_++);
      return true;
    }
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64) return Fail("integer overflow");
      if (p_ >= end_) return Fail("unexpected EOF");
      auto b = static_cast<unsigned char>(*p_++);
      x |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    *v = x;
    return true;
  }

  bool Bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!Varint(&n)) return false;
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail("negative length found during unmarshaling");
    }
    if (n > static_cast<uint64_t>(end_ - p_)) return Fail("unexpected EOF");
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }

  // Checks a known field's wire type.
  bool Expect(int wire, int want, const char* field) {
    if (wire == want) return true;
    return Fail("wrong wireType = " + std::to_string(wire) + " for field " + field);
  }

  // Skips the value of an unknown field whose tag has been read.
  bool Skip(int wire) {
    int depth = 0;
    while (true) {
      switch (wire) {
        case kVarint: {
          uint64_t ignored;
          if (!Varint(&ignored)) return false;
          break;
        }
        case kFixed64:
          if (end_ - p_ < 8) return Fail("unexpected EOF");
          p_ += 8;
          break;
        case kLen: {
          std::string_view ignored;
          if (!Bytes(&ignored)) return false;
          break;
        }
        case kStartGroup:
          depth++;
          break;
        case kEndGroup:
          if (depth == 0) return Fail("unexpected end of group");
          depth--;
          break;
        case kFixed32:
          if (end_ - p_ < 4) return Fail("unexpected EOF");
          p_ += 4;
          break;
        default:
          return Fail("illegal wireType " + std::to_string(wire));
      }
      if (depth == 0) return true;
      // Inside a group: the next field's tag, any wire type.
      if (p_ >= end_) return Fail("unexpected EOF");
      uint64_t tag = 0;
      if (!Varint(&tag)) return false;
      wire = static_cast<int>(tag & 7);
    }
  }

  bool Fail(const std::string& what) {
    *error_ = std::string("proto: ") + message_ + ": " + what;
    return false;
  }

 private:
  const char* p_;
  const char* end_;
  const char* message_;
  std::string* error_;
};

class Decoder {
 public:
  explicit Decoder(PushRequest* req) : req_(req) {}

  const std::string& error() const { return error_; }

  bool Request(std::string_view data) {
    Parser in(data, "PushRequest", &error_);
    while (!in.done()) {
      int32_t field;
      int wire;
      if (!in.Tag(&field, &wire)) return false;
      if (field == 1) {
        std::string_view msg;
        if (!in.Expect(wire, kLen, "Streams") || !in.Bytes(&msg)) return false;
        req_->streams.emplace_back();
        if (!Stream(msg, &req_->streams.back())) return false;
      } else if (!in.Skip(wire)) {
        return false;
      }
    }
    return true;
  }

 private:
  bool Stream(std::string_view data, PushStream* stream) {
    Parser in(data, "StreamAdapter", &error_);
    while (!in.done()) {
      int32_t field;
      int wire;
      if (!in.Tag(&field, &wire)) return false;
      switch (field) {
        case 1:
          if (!in.Expect(wire, kLen, "Labels") || !in.Bytes(&stream->labels_text)) return false;
          break;
        case 2: {
          std::string_view msg;
          if (!in.Expect(wire, kLen, "Entries") || !in.Bytes(&msg)) return false;
          stream->entries.emplace_back();
          if (!Entry(msg, &stream->entries.back())) return false;
          break;
        }
        case 3: {
          uint64_t ignored;
          if (!in.Expect(wire, kVarint, "Hash") || !in.Varint(&ignored)) return false;
          break;
        }
        default:
          if (!in.Skip(wire)) return false;
      }
    }
    return true;
  }

  bool Entry(std::string_view data, PushEntry* entry) {
    Parser in(data, "EntryAdapter", &error_);
    entry->timestamp_ns = std::numeric_limits<int64_t>::min();  // absent: Go's zero time
    entry->metadata_begin = static_cast<uint32_t>(req_->metadata.size());
    while (!in.done()) {
      int32_t field;
      int wire;
      if (!in.Tag(&field, &wire)) return false;
      switch (field) {
        case 1: {
          std::string_view msg;
          if (!in.Expect(wire, kLen, "Timestamp") || !in.Bytes(&msg)) return false;
          if (!Timestamp(msg, &entry->timestamp_ns)) return false;
          break;
        }
        case 2:
          if (!in.Expect(wire, kLen, "Line") || !in.Bytes(&entry->line)) return false;
          break;
        case 3: {
          std::string_view msg;
          if (!in.Expect(wire, kLen, "StructuredMetadata") || !in.Bytes(&msg)) return false;
          req_->metadata.emplace_back();
          if (!Pair(msg, &req_->metadata.back())) return false;
          break;
        }
        default:
          if (!in.Skip(wire)) return false;
      }
    }
    entry->metadata_count = static_cast<uint32_t>(req_->metadata.size() - entry->metadata_begin);
    return true;
  }

  bool Timestamp(std::string_view data, int64_t* ns) {
    Parser in(data, "Timestamp", &error_);
    int64_t seconds = 0;
    int32_t nanos = 0;
    while (!in.done()) {
      int32_t field;
      int wire;
      if (!in.Tag(&field, &wire)) return false;
      uint64_t v = 0;
      switch (field) {
        case 1:
          if (!in.Expect(wire, kVarint, "Seconds") || !in.Varint(&v)) return false;
          seconds = static_cast<int64_t>(v);
          break;
        case 2:
          if (!in.Expect(wire, kVarint, "Nanos") || !in.Varint(&v)) return false;
          nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
          break;
        default:
          if (!in.Skip(wire)) return false;
      }
    }
    const char* problem = nullptr;
    if (seconds < kMinValidSeconds) {
      problem = " before 0001-01-01";
    } else if (seconds >= kMaxValidSeconds) {
      problem = " after 10000-01-01";
    } else if (nanos < 0 || nanos >= 1'000'000'000) {
      problem = ": nanos not in range [0, 1e9)";
    }
    if (problem != nullptr) {
      error_ = "proto: EntryAdapter: timestamp: seconds:" + std::to_string(seconds) +
               " nanos:" + std::to_string(nanos) + problem;
      return false;
    }
    int64_t out;
    if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &out) ||
        __builtin_add_overflow(out, int64_t{nanos}, &out)) {
      // Outside the years 1678-2262 that nanoseconds can hold: saturate, so
      // that the entry is refused as too old or too new.
      out = seconds < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    *ns = out;
    return true;
  }

  bool Pair(std::string_view data, LabelRef* pair) {
    Parser in(data, "LabelPairAdapter", &error_);
    while (!in.done()) {
      int32_t field;
      int wire;
      if (!in.Tag(&field, &wire)) return false;
      switch (field) {
        case 1:
          if (!in.Expect(wire, kLen, "Name") || !in.Bytes(&pair->name)) return false;
          break;
        case 2:
          if (!in.Expect(wire, kLen, "Value") || !in.Bytes(&pair->value)) return false;
          break;
        default:
          if (!in.Skip(wire)) return false;
      }
    }
    return true;
  }

  PushRequest* req_;
  std::string error_;
};

}  // namespace

StatusOr<PushRequestPtr> ParseProtoPush(std::string body) {
  auto req = std::make_unique<PushRequest>();
  req->body = std::move(body);
  Decoder decoder(req.get());
  if (!decoder.Request(req->body)) return InvalidArgument(decoder.error());
  return req;
}

Status DecodeProtoPushInto(std::string_view snappy_body, PushRequest* req,
                           size_t max_decoded_bytes) {
  req->streams.clear();
  req->metadata.clear();
  req->arena.clear();
  size_t n = 0;
  if (!snappy::GetUncompressedLength(snappy_body.data(), snappy_body.size(), &n)) {
    return InvalidArgument("snappy: corrupt input");
  }
  if (n > max_decoded_bytes) return InvalidArgument("snappy: decoded block is too large");
  // A snappy element expands at most 64 bytes from 3: a larger claim is a lie,
  // refused before memory is taken for it.
  if (n / 22 > snappy_body.size()) return InvalidArgument("snappy: corrupt input");
  // Only bytes beyond the body's current size are zeroed first; snappy then
  // overwrites all n.
  req->body.resize(n);
  if (!snappy::RawUncompress(snappy_body.data(), snappy_body.size(), req->body.data())) {
    return InvalidArgument("snappy: corrupt input");
  }
  Decoder decoder(req);
  if (!decoder.Request(req->body)) return InvalidArgument(decoder.error());
  return Status::Ok();
}

StatusOr<PushRequestPtr> DecodeProtoPush(std::string_view snappy_body, size_t max_decoded_bytes) {
  auto req = std::make_unique<PushRequest>();
  LOGSTACK_RETURN_IF_ERROR(DecodeProtoPushInto(snappy_body, req.get(), max_decoded_bytes));
  return req;
}

}  // namespace logstack::logstore::push
