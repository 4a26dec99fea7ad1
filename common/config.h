#pragma once

// Configuration: a YAML file, with command-line flags that override it.
//
// Every setting has one name. In the file it is a (possibly nested) key:
//
//   data_dir: /var/lib/logstore
//   limits:
//     max_line_size: 256KB
//
// and on the command line the same path with '.' between levels and '-' or
// '_' inside a name: --data-dir=/tmp/x --limits.max-line-size=1MB. Flags win.
//
// Decoding is strict: an unknown key or a value of the wrong form is an error
// that names the key, so a typo never silently falls back to a default.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace logstack {

struct CommandLine {
  std::vector<std::string> positional;
  // In command-line order; later entries win.
  std::vector<std::pair<std::string, std::string>> flags;

  bool Has(const std::string& name) const;
  std::string Get(const std::string& name, const std::string& fallback = "") const;
};

// Parses "--name=value", "--name value" and a bare "--name" (value "true").
// "-h"/"--help" become the flag "help". argv[0] is skipped.
StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);

// Reads `file` (may be empty: start from an empty map) and applies the flags,
// except those named in `ignore`, as overrides. Flag names are normalised:
// '-' becomes '_'.
StatusOr<YAML::Node> LoadConfigTree(const std::string& file, const CommandLine& cmd,
                                    const std::set<std::string>& ignore = {"config", "help"});

// Decodes one YAML map into typed fields, remembering which keys it read.
class ConfigReader {
 public:
  // `path` is the dotted position of node in the tree, used in messages.
  ConfigReader(YAML::Node node, std::string path);

  // Each Read leaves *out unchanged when the key is absent.
  void Read(const std::string& key, std::string* out);
  void Read(const std::string& key, bool* out);
  void Read(const std::string& key, int64_t* out);
  void Read(const std::string& key, double* out);
  // A list of strings. A scalar (as a flag gives it) is split at commas.
  void Read(const std::string& key, std::vector<std::string>* out);
  // The node itself, for settings with a decoder of their own (a pipeline,
  // a label selector). Marks the key read; the caller reports its errors.
  void ReadNode(const std::string& key, YAML::Node* out);
  // Durations ("1h30m") in nanoseconds.
  void ReadDuration(const std::string& key, int64_t* out);
  // Byte sizes ("256KB").
  void ReadBytes(const std::string& key, uint64_t* out);
  // A byte size, or a share of something ("10%", into *percent, 0 < p < 100).
  // Sets the one given and zeroes the other.
  void ReadBytesOrPercent(const std::string& key, uint64_t* bytes, double* percent);

  bool Has(const std::string& key) const;
  // A nested map (an empty one when absent), owned by this reader; its errors
  // and unknown keys are reported by this reader's Finish().
  ConfigReader& Child(const std::string& key);
  // The keys of a nested map of maps, e.g. per-tenant overrides.
  std::vector<std::string> ChildKeys(const std::string& key);

  // OK iff every value decoded and no key was left unread, here and in children.
  Status Finish();

  ConfigReader(const ConfigReader&) = delete;
  ConfigReader& operator=(const ConfigReader&) = delete;

 private:
  std::string KeyPath(const std::string& key) const;
  void Fail(const std::string& key, const std::string& why);
  void Collect(std::vector<std::string>* errs) const;

  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
  std::vector<std::unique_ptr<ConfigReader>> children_;
  std::vector<std::string> errors_;
};

}  // namespace logstack
