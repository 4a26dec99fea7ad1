#include "collector/positions/positions.h"

#include <utility>

namespace logstack::collector::positions {

StatusOr<std::unique_ptr<Positions>> Positions::Open(Env* env, std::string path) {
  StatusOr<ParsedPositions> loaded = LoadPositionsFile(env, path);
  if (!loaded.ok()) {
    if (loaded.status().code() != StatusCode::kNotFound) return loaded.status();
    loaded = ParsedPositions{};
  }
  return std::make_unique<Positions>(PassKey(), env, std::move(path), std::move(*loaded));
}

Positions::Positions(PassKey, Env* env, std::string path, ParsedPositions loaded)
    : env_(env),
      path_(std::move(path)),
      load_status_(std::move(loaded.status)),
      dropped_records_(loaded.bad_records),
      records_(std::move(loaded.records)) {
  // A damaged file is rewritten by the first Save(), even if nothing changes.
  if (!load_status_.ok()) version_ = 1;
}

std::optional<Record> Positions::Get(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void Positions::Set(std::string_view key, const Record& record) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    records_.emplace(std::string(key), record);
  } else if (it->second == record) {
    return;
  } else {
    it->second = record;
  }
  ++version_;
}

void Positions::Remove(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return;
  records_.erase(it);
  ++version_;
}

std::vector<std::string> Positions::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  keys.reserve(records_.size());
  for (const auto& [key, rec] : records_) keys.push_back(key);
  return keys;
}

RecordMap Positions::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

bool Positions::dirty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_ != saved_version_;
}

uint64_t Positions::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

Status Positions::Save() {
  std::lock_guard<std::mutex> save_lock(save_mu_);
  RecordMap snapshot;
  uint64_t version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (version_ == saved_version_) return Status::Ok();
    snapshot = records_;
    version = version_;
  }
  LOGSTACK_RETURN_IF_ERROR(env_->CreateDirs(DirName(path_)));
  LOGSTACK_RETURN_IF_ERROR(WritePositionsFile(env_, path_, snapshot));
  std::lock_guard<std::mutex> lock(mu_);
  saved_version_ = version;
  ++writes_;
  return Status::Ok();
}

}  // namespace logstack::collector::positions
