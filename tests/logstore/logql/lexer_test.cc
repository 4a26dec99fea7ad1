#include "logstore/logql/lexer.h"

#include <gtest/gtest.h>

namespace logstack::logstore::logql {
namespace {

std::vector<TokenKind> Kinds(std::string_view q) {
  std::vector<TokenKind> out;
  for (const Token& t : Lex(q)) out.push_back(t.kind);
  return out;
}

using TK = TokenKind;

TEST(LexerTest, SelectorAndOperators) {
  EXPECT_EQ(Kinds(R"({a="b", c!="d", e=~"f", g!~"h"})"),
            (std::vector<TK>{TK::kLBrace, TK::kIdentifier, TK::kEq, TK::kString, TK::kComma,
                             TK::kIdentifier, TK::kNeq, TK::kString, TK::kComma, TK::kIdentifier,
                             TK::kRe, TK::kString, TK::kComma, TK::kIdentifier, TK::kNre,
                             TK::kString, TK::kRBrace, TK::kEof}));
  EXPECT_EQ(Kinds("|= |~ |> !> | == >= <= > < + - * / % ^"),
            (std::vector<TK>{TK::kPipeExact, TK::kPipeMatch, TK::kPipePattern, TK::kNpa, TK::kPipe,
                             TK::kCmpEq, TK::kGte, TK::kLte, TK::kGt, TK::kLt, TK::kAdd, TK::kSub,
                             TK::kMul, TK::kDiv, TK::kMod, TK::kPow, TK::kEof}));
}

TEST(LexerTest, StringsUnescape) {
  auto t = Lex(R"("a\"b\\c\n\t\x41\101\u00e9\U0001F600")");
  ASSERT_EQ(t[0].kind, TK::kString);
  EXPECT_EQ(t[0].text, "a\"b\\c\n\tAA\xC3\xA9\xF0\x9F\x98\x80");
  t = Lex("`raw\\n\"x\"`");
  ASSERT_EQ(t[0].kind, TK::kString);
  EXPECT_EQ(t[0].text, "raw\\n\"x\"");
}

TEST(LexerTest, StringErrors) {
  auto t = Lex(R"({a="b\q"})");
  ASSERT_EQ(t[3].kind, TK::kError);
  EXPECT_EQ(t[3].text, "parse error at line 1, col 4: invalid char escape");
  t = Lex(R"({a="b)");
  ASSERT_EQ(t[3].kind, TK::kError);
  EXPECT_EQ(t[3].text, "parse error at line 1, col 4: literal not terminated");
  t = Lex("`abc");
  EXPECT_EQ(t[0].kind, TK::kError);
}

TEST(LexerTest, NumbersDurationsBytes) {
  auto t = Lex("1 1.5 1.5e3 .5 250ms 1h30m 1.1s 500us 20MB 1.5KiB 1x -1s --strict");
  std::vector<TK> want = {TK::kNumber,   TK::kNumber,     TK::kNumber,   TK::kNumber,
                          TK::kDuration, TK::kDuration,   TK::kDuration, TK::kDuration,
                          TK::kBytes,    TK::kBytes,      TK::kNumber,   TK::kIdentifier,
                          TK::kDuration, TK::kParserFlag, TK::kEof};
  ASSERT_EQ(t.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) EXPECT_EQ(t[i].kind, want[i]) << i;
  EXPECT_EQ(t[2].text, "1.5e3");
  EXPECT_EQ(t[4].duration_ns, 250000000);
  EXPECT_EQ(t[5].duration_ns, 5400LL * 1000000000);
  EXPECT_EQ(t[7].duration_ns, 500000);
  EXPECT_EQ(t[8].bytes, 20000000u);
  EXPECT_EQ(t[9].bytes, 1536u);
  EXPECT_EQ(t[12].duration_ns, -1000000000);
  EXPECT_EQ(t[13].text, "--strict");
}

TEST(LexerTest, Ranges) {
  auto t = Lex("[5m] [1h30m] [1d] [500ms]");
  EXPECT_EQ(t[0].kind, TK::kRange);
  EXPECT_EQ(t[0].duration_ns, 300LL * 1000000000);
  EXPECT_EQ(t[1].duration_ns, 5400LL * 1000000000);
  EXPECT_EQ(t[2].duration_ns, 86400LL * 1000000000);
  EXPECT_EQ(t[3].duration_ns, 500000000);
  t = Lex("rate({a=\"b\"}[5x])");
  EXPECT_EQ(t[7].kind, TK::kError);
  EXPECT_EQ(t[7].text, R"(parse error at line 0, col 13: unknown unit "x" in duration "5x")");
  t = Lex("[5m");
  EXPECT_EQ(t[0].text, "parse error at line 0, col 1: missing closing ']' in duration");
}

TEST(LexerTest, FunctionNamesNeedACall) {
  EXPECT_EQ(Kinds("sum(x)")[0], TK::kSum);
  EXPECT_EQ(Kinds("sum by (a) (x)")[0], TK::kSum);
  EXPECT_EQ(Kinds("sum without(a) (x)")[0], TK::kSum);
  EXPECT_EQ(Kinds("sum > 1")[0], TK::kIdentifier);
  EXPECT_EQ(Kinds("rate")[0], TK::kIdentifier);
  EXPECT_EQ(Kinds("ip = ip(\"1.2.3.4\")")[0], TK::kIdentifier);
  EXPECT_EQ(Kinds("ip = ip(\"1.2.3.4\")")[2], TK::kIp);
  EXPECT_EQ(Kinds("json")[0], TK::kJson);  // always a keyword
  EXPECT_EQ(Kinds("by")[0], TK::kBy);
}

TEST(LexerTest, CommentsAndStrayCharacters) {
  EXPECT_EQ(
      Kinds("{a=\"b\"} # comment |= \"x\""),
      (std::vector<TK>{TK::kLBrace, TK::kIdentifier, TK::kEq, TK::kString, TK::kRBrace, TK::kEof}));
  auto t = Lex("@");
  EXPECT_EQ(t[0].kind, TK::kIdentifier);
  EXPECT_TRUE(t[0].bad);
}

TEST(LexerTest, Positions) {
  auto t = Lex("{a=\"b\"}\n  |= \"x\"");
  EXPECT_EQ(t[0].line, 1);
  EXPECT_EQ(t[0].col, 1);
  EXPECT_EQ(t[5].kind, TK::kPipeExact);
  EXPECT_EQ(t[5].line, 2);
  EXPECT_EQ(t[5].col, 3);
  EXPECT_TRUE(t[5].next_extended);
  EXPECT_EQ(t.back().col, 9);
  // Columns count characters, not bytes.
  t = Lex("\"é\" x");
  EXPECT_EQ(t[1].col, 5);
  // The empty query's $end has no position.
  t = Lex("");
  EXPECT_EQ(t[0].line, 0);
  EXPECT_EQ(t[0].col, 0);
}

TEST(LexerTest, TokenNames) {
  EXPECT_EQ(TokenName(TK::kEof), "$end");
  EXPECT_EQ(TokenName(TK::kSum), "SUM");
  EXPECT_EQ(TokenName(TK::kIp), "ip");
  EXPECT_EQ(TokenName(TK::kOffset), "offset");
  EXPECT_EQ(TokenName(TK::kRBrace), "}");
  EXPECT_EQ(TokenName(TK::kNre), "!~");
}

}  // namespace
}  // namespace logstack::logstore::logql
