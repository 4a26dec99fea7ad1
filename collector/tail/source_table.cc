#include "collector/tail/source_table.h"

namespace logstack::collector::tail {

uint64_t SourceTable::Register(SourceInfo info) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  slots_.emplace(id, Slot{std::move(info), false});
  ++live_;
  return id;
}

void SourceTable::SetFingerprint(uint64_t id, positions::Fingerprint fp) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(id);
  if (it != slots_.end()) it->second.info.fingerprint = fp;
}

void SourceTable::Release(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end() || it->second.released) return;
  it->second.released = true;
  --live_;
  released_.push_back(id);
  while (released_.size() > kKeepReleased) {
    slots_.erase(released_.front());
    released_.pop_front();
  }
}

std::optional<SourceInfo> SourceTable::Lookup(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<std::pair<std::string, positions::Record>> SourceTable::ToRecord(
    const SourcePosition& pos) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(pos.source);
  if (it == slots_.end()) return std::nullopt;
  const SourceInfo& info = it->second.info;
  positions::Record rec;
  rec.dev = info.dev;
  rec.ino = info.ino;
  rec.offset = pos.offset;
  rec.fingerprint = info.fingerprint;
  return std::make_pair(info.key, rec);
}

size_t SourceTable::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

}  // namespace logstack::collector::tail
