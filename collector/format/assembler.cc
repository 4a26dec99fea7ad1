#include "collector/format/assembler.h"

#include <algorithm>

namespace logstack::collector::format {
namespace {

inline bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void Count(std::atomic<uint64_t>* c, uint64_t n) { c->fetch_add(n, std::memory_order_relaxed); }

}  // namespace

size_t Utf8CutPoint(std::string_view text, size_t max) {
  if (text.size() <= max) return text.size();
  if (!IsContinuation(text[max])) return max;
  // text[max] continues a character: back off to its lead byte, if it is
  // within the three bytes a sequence can have before it.
  size_t i = max;
  while (i > 0 && max - i < 3 && IsContinuation(text[i])) --i;
  const auto lead = static_cast<unsigned char>(text[i]);
  return lead >= 0xC0 ? i : max;
}

EntryAssembler::EntryAssembler(AssemblerOptions options, AssemblerStats* stats)
    : options_(options), stats_(stats) {}

bool EntryAssembler::has_pending() const {
  return std::any_of(pending_.begin(), pending_.end(), [](const Pending& p) { return p.active; });
}

SourcePosition EntryAssembler::ResumeAfter(const LineRef& end, const Pending* except) const {
  const Pending* earliest = nullptr;
  for (const Pending& p : pending_) {
    if (!p.active || &p == except) continue;
    if (earliest == nullptr || p.seq < earliest->seq) earliest = &p;
  }
  SourcePosition pos;
  if (earliest != nullptr) {
    pos.source = earliest->first.source;
    pos.offset = earliest->first.start;
  } else {
    pos.source = end.source;
    pos.offset = end.end;
  }
  return pos;
}

void EntryAssembler::Append(Pending* p, std::string_view text) {
  const size_t room = options_.max_entry_bytes - std::min(p->buf.size(), options_.max_entry_bytes);
  if (text.size() <= room && !p->truncated) {
    p->buf.append(text);
    return;
  }
  const size_t keep = p->truncated ? 0 : Utf8CutPoint(text, room);
  p->buf.append(text.substr(0, keep));
  p->truncated = true;
  if (stats_ != nullptr) Count(&stats_->truncated_bytes, text.size() - keep);
}

void EntryAssembler::Emit(Pending* p, const LineRef& end, EntryConsumer* out) {
  AssembledEntry e;
  e.timestamp_ns = p->timestamp_ns;
  e.read_time = p->read_time;
  e.format = p->format;
  e.stream = static_cast<StreamKind>(p - pending_.data());
  e.line = p->buf;
  e.truncated = p->truncated;
  e.lines = p->lines;
  e.position = ResumeAfter(end, p);
  if (stats_ != nullptr) {
    Count(&stats_->partial_lines, p->lines);
    if (p->truncated) Count(&stats_->truncated_entries, 1);
  }
  p->active = false;  // before OnEntry: the entry is out, whatever the consumer does
  out->OnEntry(e);
  // Keep the buffer for entries of ordinary size; give back what a rare huge
  // one took, so that a thousand families do not each hold max_entry_bytes.
  if (p->buf.capacity() > kKeepBufferBytes) std::string().swap(p->buf);
}

void EntryAssembler::Add(const ParsedLine& line, const LineRef& ref, int64_t read_time_ns,
                         EntryConsumer* out) {
  Pending& p = pending_[static_cast<size_t>(line.stream)];
  if (!p.active) {
    if (!line.partial) {
      // The common case: one full line is one entry, passed through as is.
      AssembledEntry e;
      e.timestamp_ns = line.has_timestamp ? line.timestamp_ns : read_time_ns;
      e.read_time = !line.has_timestamp;
      e.format = line.format;
      e.stream = line.stream;
      e.line = line.text;
      if (line.text.size() > options_.max_entry_bytes) {
        e.line = line.text.substr(0, Utf8CutPoint(line.text, options_.max_entry_bytes));
        e.truncated = true;
        if (stats_ != nullptr) {
          Count(&stats_->truncated_entries, 1);
          Count(&stats_->truncated_bytes, line.text.size() - e.line.size());
        }
      }
      e.position = ResumeAfter(ref, nullptr);
      out->OnEntry(e);
      return;
    }
    p.active = true;
    p.truncated = false;
    p.read_time = !line.has_timestamp;
    p.timestamp_ns = line.has_timestamp ? line.timestamp_ns : read_time_ns;
    p.format = line.format;
    p.lines = 0;
    p.seq = next_seq_++;
    p.first = ref;
    p.buf.clear();
  }
  Append(&p, line.text);
  ++p.lines;
  p.last = ref;
  if (!line.partial) Emit(&p, ref, out);
}

void EntryAssembler::Flush(EntryConsumer* out) {
  while (true) {
    Pending* earliest = nullptr;
    for (Pending& p : pending_) {
      if (p.active && (earliest == nullptr || p.seq < earliest->seq)) earliest = &p;
    }
    if (earliest == nullptr) return;
    Emit(earliest, earliest->last, out);
  }
}

}  // namespace logstack::collector::format
