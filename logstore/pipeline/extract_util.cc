#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {

void AppendSanitizedKey(std::string* out, std::string_view key, bool is_prefix) {
  while (!key.empty() && (key.front() == ' ' || key.front() == '\t' || key.front() == '\n' ||
                          key.front() == '\r')) {
    key.remove_prefix(1);
  }
  while (!key.empty() &&
         (key.back() == ' ' || key.back() == '\t' || key.back() == '\n' || key.back() == '\r')) {
    key.remove_suffix(1);
  }
  if (key.empty()) return;
  if (is_prefix && key[0] >= '0' && key[0] <= '9') out->push_back('_');
  for (size_t i = 0; i < key.size(); i++) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (ok) {
      out->push_back(static_cast<char>(c));
      continue;
    }
    // Go maps each rune, not each byte: skip a UTF-8 sequence's continuation
    // bytes so a multi-byte character becomes one '_'.
    out->push_back('_');
    if (c >= 0xC0) {
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      size_t j = 1;
      while (j < len && i + j < key.size() &&
             (static_cast<unsigned char>(key[i + j]) & 0xC0) == 0x80) {
        j++;
      }
      i += j - 1;
    }
  }
}

void SetExtracted(LabelsBuilder* lbs, std::string* name, std::string_view value) {
  if (!lbs->Wanted(*name)) return;
  if (lbs->BaseHas(*name)) name->append("_extracted");
  if (lbs->ParsedHas(*name)) return;
  lbs->Set(LabelCategory::kParsed, *name, value);
}

}  // namespace logstack::logstore::pipeline
