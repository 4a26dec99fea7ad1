#include "logstore/store/partition.h"

#include <cstdio>

namespace logstack::logstore {
namespace {

constexpr uint64_t kMaxChunkFileSize = 512ull << 20;

}  // namespace

std::string ChunkFileName(uint32_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "chunks-%06u.dat", n);
  return buf;
}

Status Partition::OpenWriters() {
  if (chunk_file_ && chunk_file_->Size() < kMaxChunkFileSize) return Status::Ok();
  LOGSTACK_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  if (chunk_file_) {
    LOGSTACK_RETURN_IF_ERROR(chunk_file_->Sync());
    LOGSTACK_RETURN_IF_ERROR(chunk_file_->Close());
  }
  // Always a fresh file: an old one may end in a chunk torn by a crash.
  file_no_ = next_file_no_++;
  LOGSTACK_ASSIGN_OR_RETURN(chunk_file_,
                            env_->NewWritableFile(JoinPath(dir_, ChunkFileName(file_no_))));
  if (!index_file_) {
    std::string path = JoinPath(dir_, "index.log");
    LOGSTACK_ASSIGN_OR_RETURN(index_file_, env_->NewAppendableFile(path));
    index_writer_ = std::make_unique<wal::LogWriter>(index_file_.get());
  }
  return env_->SyncDir(dir_);
}

Status Partition::AppendChunk(std::string_view bytes, ChunkRef* ref) {
  std::lock_guard<std::mutex> lock(mu_);
  LOGSTACK_RETURN_IF_ERROR(OpenWriters());
  ref->file_no = file_no_;
  ref->offset = chunk_file_->Size();
  ref->length = static_cast<uint32_t>(bytes.size());
  LOGSTACK_RETURN_IF_ERROR(chunk_file_->Append(bytes));
  disk_bytes_ += bytes.size();
  return Status::Ok();
}

Status Partition::Commit(const std::vector<std::string>& index_records) {
  std::lock_guard<std::mutex> lock(mu_);
  LOGSTACK_RETURN_IF_ERROR(OpenWriters());
  // The chunks must be durable before any reference to them is.
  LOGSTACK_RETURN_IF_ERROR(chunk_file_->Sync());
  uint64_t before = index_file_->Size();
  for (const auto& rec : index_records) LOGSTACK_RETURN_IF_ERROR(index_writer_->AddRecord(rec));
  LOGSTACK_RETURN_IF_ERROR(index_file_->Sync());
  disk_bytes_ += index_file_->Size() - before;
  return Status::Ok();
}

StatusOr<std::string> Partition::ReadChunkTail(const ChunkRef& ref, uint32_t n) {
  if (n >= ref.length) return ReadChunk(ref);
  ChunkRef tail = ref;
  tail.offset = ref.offset + ref.length - n;
  tail.length = n;
  return ReadChunk(tail);
}

StatusOr<std::string> Partition::ReadChunk(const ChunkRef& ref) {
  std::shared_ptr<RandomAccessFile> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (chunk_file_ && ref.file_no == file_no_) LOGSTACK_RETURN_IF_ERROR(chunk_file_->Flush());
    auto it = readers_.find(ref.file_no);
    // A cached reader of the file being written knows an old size; reopen.
    if (it == readers_.end() || it->second->Size() < ref.offset + ref.length) {
      LOGSTACK_ASSIGN_OR_RETURN(RandomAccessFilePtr f, env_->NewRandomAccessFile(JoinPath(
                                                           dir_, ChunkFileName(ref.file_no))));
      readers_[ref.file_no] = std::move(f);
      it = readers_.find(ref.file_no);
    }
    file = it->second;
  }
  std::string buf(ref.length, '\0');
  LOGSTACK_ASSIGN_OR_RETURN(std::string_view got, file->Read(ref.offset, ref.length, buf.data()));
  if (got.size() != ref.length) {
    return Corruption("chunk at " + dir_ + "/" + ChunkFileName(ref.file_no) + " offset " +
                      std::to_string(ref.offset) + " is cut short");
  }
  if (got.data() != buf.data()) buf.assign(got);
  return buf;
}

}  // namespace logstack::logstore
