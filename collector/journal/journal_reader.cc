#include "collector/journal/journal_reader.h"

#if LOGSTACK_HAVE_SYSTEMD
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#endif

namespace logstack::collector {

#if LOGSTACK_HAVE_SYSTEMD

bool JournalSupported() { return true; }

namespace {

// sd-journal reports errors as negative errno values.
Status SdError(std::string_view what, int r) { return ErrnoError(what, -r); }

struct JournalCloser {
  void operator()(sd_journal* j) const { sd_journal_close(j); }
};
using JournalPtr = std::unique_ptr<sd_journal, JournalCloser>;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

uint64_t MonotonicMicros() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

class SdJournalReader final : public JournalReader {
 public:
  SdJournalReader(JournalOptions options, JournalPtr journal, int journal_fd, int stop_fd)
      : options_(std::move(options)),
        journal_(std::move(journal)),
        journal_fd_(journal_fd),
        stop_fd_(stop_fd) {}

  Status Seek(const std::string& cursor, const Clock& clock);

  StatusOr<std::vector<Entry>> Read(size_t max_entries, std::chrono::milliseconds timeout) override;
  void Stop() override;
  const JournalStats& stats() const override { return stats_; }

 private:
  // Appends the entries available now to `out`, up to `max_entries` in all.
  Status ReadAvailable(size_t max_entries, std::vector<Entry>& out);
  // The value of `field` in the current entry ("" when absent).
  std::string_view Field(const char* field);
  // Waits for a change of the journal, Stop(), or `timeout_us`.
  Status Wait(uint64_t timeout_us);

  const JournalOptions options_;
  JournalPtr journal_;
  const int journal_fd_;  // owned by journal_
  Fd stop_fd_;            // an eventfd
  std::atomic<bool> stopped_{false};
  // The current entry has not been returned yet (after seeking to a cursor
  // whose own entry is gone).
  bool current_pending_ = false;
  JournalStats stats_;
};

Status SdJournalReader::Seek(const std::string& cursor, const Clock& clock) {
  sd_journal* j = journal_.get();
  if (!cursor.empty()) {
    int r = sd_journal_seek_cursor(j, cursor.c_str());
    if (r < 0) {
      return InvalidArgument("journal cursor \"" + cursor +
                             "\" is not valid: " + std::strerror(-r));
    }
    r = sd_journal_next(j);
    if (r < 0) return SdError("journal: reading the entry at the saved cursor", r);
    if (r > 0) {
      // On the cursor's own entry: it was returned before. Elsewhere (the
      // entry is gone): this one is the first not returned.
      int t = sd_journal_test_cursor(j, cursor.c_str());
      if (t < 0) return SdError("journal: testing the saved cursor", t);
      current_pending_ = t == 0;
    }
    // r == 0: nothing at or after the cursor yet; the journal stays there.
    return Status::Ok();
  }
  if (options_.max_age.count() > 0) {
    int64_t since_ns = clock.NowNanos() - options_.max_age.count();
    int r = sd_journal_seek_realtime_usec(j, since_ns > 0 ? since_ns / 1000 : 0);
    if (r < 0) return SdError("journal: seeking to max_age", r);
    return Status::Ok();
  }
  if (options_.start == JournalOptions::Start::kHead) {
    int r = sd_journal_seek_head(j);
    if (r < 0) return SdError("journal: seeking to the head", r);
    return Status::Ok();
  }
  int r = sd_journal_seek_tail(j);
  if (r < 0) return SdError("journal: seeking to the tail", r);
  // Onto the last entry, so that the next sd_journal_next() is the first new one.
  r = sd_journal_previous(j);
  if (r < 0) return SdError("journal: seeking to the tail", r);
  return Status::Ok();
}

std::string_view SdJournalReader::Field(const char* field) {
  const void* data = nullptr;
  size_t len = 0;
  if (sd_journal_get_data(journal_.get(), field, &data, &len) < 0) return {};
  std::string_view kv(static_cast<const char*>(data), len);
  const size_t prefix = std::strlen(field) + 1;  // "FIELD="
  if (kv.size() < prefix) return {};
  return kv.substr(prefix);
}

Status SdJournalReader::ReadAvailable(size_t max_entries, std::vector<Entry>& out) {
  sd_journal* j = journal_.get();
  while (out.size() < max_entries) {
    if (current_pending_) {
      current_pending_ = false;
    } else {
      int r = sd_journal_next(j);
      if (r < 0) return SdError("journal: next entry", r);
      if (r == 0) break;
    }
    const void* data = nullptr;
    size_t len = 0;
    int r = sd_journal_get_data(j, "MESSAGE", &data, &len);
    if (r == -ENOENT) {
      stats_.no_message.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (r < 0) return SdError("journal: reading MESSAGE", r);
    std::string_view message(static_cast<const char*>(data), len);
    message.remove_prefix(std::min(message.size(), sizeof("MESSAGE=") - 1));
    if (options_.max_line_bytes > 0 && message.size() > options_.max_line_bytes) {
      message = message.substr(0, options_.max_line_bytes);
      stats_.truncated.fetch_add(1, std::memory_order_relaxed);
    }
    // sd_journal_get_data's pointer is valid until the next call on the
    // journal: copy the message before reading other fields.
    std::string line(message);

    JournalRecord rec;
    r = sd_journal_get_realtime_usec(j, &rec.realtime_us);
    if (r < 0) return SdError("journal: reading the entry's timestamp", r);
    char* cursor = nullptr;
    r = sd_journal_get_cursor(j, &cursor);
    if (r < 0) return SdError("journal: reading the entry's cursor", r);
    rec.cursor = cursor;
    std::free(cursor);
    std::string unit(Field("_SYSTEMD_UNIT"));
    std::string priority(Field("PRIORITY"));
    std::string hostname(Field("_HOSTNAME"));
    std::string identifier(Field("SYSLOG_IDENTIFIER"));
    rec.unit = unit;
    rec.priority = priority;
    rec.hostname = hostname;
    rec.syslog_identifier = identifier;
    Entry e = JournalEntry(std::move(rec), options_.labels);
    e.line = std::move(line);
    stats_.entries.fetch_add(1, std::memory_order_relaxed);
    stats_.bytes.fetch_add(e.line.size(), std::memory_order_relaxed);
    out.push_back(std::move(e));
  }
  return Status::Ok();
}

Status SdJournalReader::Wait(uint64_t timeout_us) {
  uint64_t sd_timeout = 0;
  if (sd_journal_get_timeout(journal_.get(), &sd_timeout) >= 0 && sd_timeout != UINT64_MAX) {
    // An absolute CLOCK_MONOTONIC time: when to look again even without an
    // event (files on file systems without inotify).
    uint64_t now = MonotonicMicros();
    timeout_us = std::min(timeout_us, sd_timeout > now ? sd_timeout - now : 0);
  }
  int events = sd_journal_get_events(journal_.get());
  if (events < 0) return SdError("journal: get events", events);
  struct pollfd fds[2] = {{journal_fd_, static_cast<short>(events), 0},
                          {stop_fd_.get(), POLLIN, 0}};
  int ms = static_cast<int>(std::min<uint64_t>((timeout_us + 999) / 1000, 60'000));
  int r = ::poll(fds, 2, ms);
  if (r < 0 && errno != EINTR) return ErrnoError("journal: poll", errno);
  if (stopped_.load(std::memory_order_acquire)) return Cancelled("journal reader stopped");
  // Always, even after a timeout: sd_journal_process() also notices changes
  // to files it cannot watch.
  r = sd_journal_process(journal_.get());
  if (r < 0) return SdError("journal: process changes", r);
  return Status::Ok();
}

StatusOr<std::vector<Entry>> SdJournalReader::Read(size_t max_entries,
                                                   std::chrono::milliseconds timeout) {
  std::vector<Entry> out;
  const uint64_t deadline =
      MonotonicMicros() +
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::max(timeout, std::chrono::milliseconds(0)))
                                .count());
  // At least one Wait(), even with no time left: it is where sd-journal
  // takes in new files (sd_journal_process), so a caller polling with a
  // zero timeout sees them too.
  for (bool last = false;;) {
    if (stopped_.load(std::memory_order_acquire)) return Cancelled("journal reader stopped");
    LOGSTACK_RETURN_IF_ERROR(ReadAvailable(max_entries, out));
    if (!out.empty() || last) return out;
    const uint64_t now = MonotonicMicros();
    last = now >= deadline;
    LOGSTACK_RETURN_IF_ERROR(Wait(last ? 0 : deadline - now));
  }
}

void SdJournalReader::Stop() {
  stopped_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t n = ::write(stop_fd_.get(), &one, sizeof(one));
  (void)n;  // an eventfd counter cannot overflow from a few writes
}

}  // namespace

StatusOr<std::unique_ptr<JournalReader>> JournalReader::Open(JournalOptions options,
                                                             const std::string& cursor,
                                                             const Clock& clock) {
  sd_journal* raw = nullptr;
  int r;
  if (options.directory.empty()) {
    r = sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0) return SdError("journal: opening the local journal", r);
  } else {
    struct stat st;
    if (::stat(options.directory.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return NotFound("journal directory " + options.directory +
                        " does not exist (mount the host's /var/log/journal or /run/log/journal)");
      }
      return ErrnoError("journal: stat " + options.directory, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      return InvalidArgument("journal directory " + options.directory + " is not a directory");
    }
    r = sd_journal_open_directory(&raw, options.directory.c_str(), 0);
    if (r < 0) return SdError("journal: opening " + options.directory, r);
  }
  JournalPtr journal(raw);
  // No field-size limit of sd-journal's own (64 KiB by default, where it would
  // cut silently): max_line_bytes is applied, and counted, here.
  r = sd_journal_set_data_threshold(raw, 0);
  if (r < 0) return SdError("journal: set data threshold", r);
  // Before seeking, so that no change in between goes unnoticed.
  int fd = sd_journal_get_fd(raw);
  if (fd < 0) return SdError("journal: watching for changes", fd);
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) return ErrnoError("journal: eventfd", errno);
  auto reader =
      std::make_unique<SdJournalReader>(std::move(options), std::move(journal), fd, stop_fd);
  LOGSTACK_RETURN_IF_ERROR(reader->Seek(cursor, clock));
  return std::unique_ptr<JournalReader>(std::move(reader));
}

#else  // !LOGSTACK_HAVE_SYSTEMD

bool JournalSupported() { return false; }

StatusOr<std::unique_ptr<JournalReader>> JournalReader::Open(JournalOptions, const std::string&,
                                                             const Clock&) {
  return Unimplemented(
      "logstack-collector was not built with journal support (libsystemd was not found at build "
      "time); remove the journal source from the config or use a build with libsystemd");
}

#endif  // LOGSTACK_HAVE_SYSTEMD

}  // namespace logstack::collector
