// JournalEntry and PriorityKeyword (collector/journal/journal_entry.h): how a
// journal record's fields become an Entry's line, labels and structured
// metadata, as plain values.

#include "collector/journal/journal_entry.h"

#include <gtest/gtest.h>

namespace logstack::collector {
namespace {

TEST(JournalEntryTest, PriorityKeyword) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "emerg"},  {"1", "alert"}, {"2", "crit"},  {"3", "err"}, {"4", "warning"},
      {"5", "notice"}, {"6", "info"},  {"7", "debug"}, {"8", ""},    {"", ""},
      {"03", ""},      {"x", ""},      {"-1", ""},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(PriorityKeyword(in), want) << in;
}

TEST(JournalEntryTest, FieldsBecomeLabelsAndStructuredMetadata) {
  JournalRecord r;
  r.realtime_us = 1'700'000'000'123'456;
  static const char kBinary[] = "bad \xff utf8 \0 nul";
  r.message = std::string_view(kBinary, sizeof(kBinary) - 1);
  r.unit = "kubelet.service";
  r.priority = "3";
  r.hostname = "node-1";
  r.syslog_identifier = "kubelet";
  r.cursor = "s=abc;i=1";
  JournalLabelOptions o;
  o.node_name = "node-1";

  Entry e = JournalEntry(r, o);
  EXPECT_EQ(e.timestamp_ns, 1'700'000'000'123'456'000);
  EXPECT_EQ(e.line, std::string(kBinary, sizeof(kBinary) - 1));
  EXPECT_EQ(e.labels.ToString(),
            "{job=\"node/journal\", node_name=\"node-1\", unit=\"kubelet.service\"}");
  EXPECT_EQ(e.structured_metadata,
            (std::vector<LabelPair>{
                {"level", "err"}, {"syslog_identifier", "kubelet"}, {"hostname", "node-1"}}));
  EXPECT_EQ(e.position.source, 0u);
  EXPECT_EQ(e.position.cursor, "s=abc;i=1");
  EXPECT_TRUE(e.tenant.empty());

  // The level as a label instead, another job; a record without unit,
  // priority, hostname or identifier adds none of them.
  o.level_as_label = true;
  o.job = "infra/journal";
  EXPECT_EQ(JournalEntry(r, o).labels.ToString(),
            "{job=\"infra/journal\", level=\"err\", node_name=\"node-1\", "
            "unit=\"kubelet.service\"}");
  JournalRecord bare;
  bare.message = "kernel: hello";
  bare.priority = "x";
  Entry b = JournalEntry(bare, o);
  EXPECT_EQ(b.labels.ToString(), "{job=\"infra/journal\", node_name=\"node-1\"}");
  EXPECT_TRUE(b.structured_metadata.empty());
}

}  // namespace
}  // namespace logstack::collector
