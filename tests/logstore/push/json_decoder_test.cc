#include "logstore/push/json_decoder.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace logstack::logstore::push {
namespace {

PushRequestPtr MustDecode(std::string body) {
  auto r = DecodeJsonPush(std::move(body));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : std::make_unique<PushRequest>();
}

std::string Err(std::string body) {
  auto r = DecodeJsonPush(std::move(body));
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(r.status().message().empty());
  return r.status().message();
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

constexpr std::string_view kStreamsPrefix =
    "loghttp.PushRequest.Streams: []loghttp.LogProtoStream: ";

std::string Metadata(const PushRequest& req, const PushEntry& e) {
  std::string out;
  for (uint32_t k = 0; k < e.metadata_count; k++) {
    const LabelRef& m = req.metadata[e.metadata_begin + k];
    out += std::string(m.name) + "=" + std::string(m.value) + ";";
  }
  return out;
}

bool PointsInto(std::string_view view, const std::string& body) {
  return view.empty() ||
         (view.data() >= body.data() && view.data() + view.size() <= body.data() + body.size());
}

TEST(JsonDecoderTest, DecodesStreamsValuesAndMetadata) {
  auto req = MustDecode(R"({"streams":[
      {"stream":{"pc":"json_valid","run":"r1"},
       "values":[["1795420631000000000","first line"],
                 ["1795420691000000000","second line",{"trace_id":"abc123","user":"u1"}]]},
      {"values":[["5","b"]],"stream":{"part":"b"}}]})");
  ASSERT_EQ(req->streams.size(), 2u);
  const PushStream& s = req->streams[0];
  EXPECT_TRUE(s.from_json);
  ASSERT_EQ(s.labels.size(), 2u);
  EXPECT_EQ(s.labels[0].name, "pc");
  EXPECT_EQ(s.labels[0].value, "json_valid");
  EXPECT_EQ(s.labels[1].name, "run");
  ASSERT_EQ(s.entries.size(), 2u);
  EXPECT_EQ(s.entries[0].timestamp_ns, 1795420631000000000);
  EXPECT_EQ(s.entries[0].line, "first line");
  EXPECT_EQ(s.entries[0].metadata_count, 0u);
  EXPECT_EQ(Metadata(*req, s.entries[1]), "trace_id=abc123;user=u1;");
  EXPECT_EQ(req->streams[1].labels[0].name, "part");
  EXPECT_EQ(req->streams[1].entries[0].line, "b");
  for (const PushStream& st : req->streams) {
    for (const LabelRef& l : st.labels) {
      EXPECT_TRUE(PointsInto(l.name, req->body));
      EXPECT_TRUE(PointsInto(l.value, req->body));
    }
    for (const PushEntry& e : st.entries) EXPECT_TRUE(PointsInto(e.line, req->body));
  }
  EXPECT_TRUE(req->arena.empty());
}

TEST(JsonDecoderTest, UnescapesInPlace) {
  // json_escapes, plus escapes in keys and label values.
  auto req = MustDecode(
      R"({"streams":[{"stream":{"k\u0065y":"a \"q\" \\ caf\u00e9"},"values":[["1",)"
      R"("a\nb\tc \"q\" back\\slash caf\u00e9 \u65e5\u672c \ud83d\ude00 \/ \b\f\r"]]}]})");
  const PushStream& s = req->streams[0];
  EXPECT_EQ(s.labels[0].name, "key");
  EXPECT_EQ(s.labels[0].value, "a \"q\" \\ caf\xc3\xa9");
  EXPECT_EQ(s.entries[0].line,
            "a\nb\tc \"q\" back\\slash caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 / "
            "\b\f\r");
  EXPECT_TRUE(PointsInto(s.entries[0].line, req->body));
  // Lone surrogates become U+FFFD; raw UTF-8 and raw control bytes pass.
  auto lone =
      MustDecode("{\"streams\":[{\"values\":[[\"1\",\"x\\ud800y\\udc00z\xe2\x82\xac\t\"]]}]}");
  EXPECT_EQ(lone->streams[0].entries[0].line, "x\xef\xbf\xbdy\xef\xbf\xbdz\xe2\x82\xac\t");
}

TEST(JsonDecoderTest, EmptyAndNonObjectBodies) {
  EXPECT_EQ(Err(""), "EOF");  // json_empty_body
  EXPECT_EQ(Err(" \n\t "), "EOF");
  // json_not_json, word for word.
  EXPECT_EQ(Err("this is not json"),
            "readObjectStart: expect { or n, but found t, error found in #1 byte of "
            "...|this is not|..., bigger context ...|this is not json|...");
  EXPECT_TRUE(StartsWith(Err("[]"), "readObjectStart: expect { or n, but found ["));
  EXPECT_TRUE(MustDecode("null")->streams.empty());
  EXPECT_NE(Err("nul").find("invalid literal"), std::string::npos);
}

TEST(JsonDecoderTest, NoStreamsIsNotAnError) {
  EXPECT_TRUE(MustDecode(R"({"streams": []})")->streams.empty());  // json_streams_empty
  EXPECT_TRUE(MustDecode(R"({"foo": 1})")->streams.empty());       // json_no_streams_key
  EXPECT_TRUE(MustDecode(R"({})")->streams.empty());
  EXPECT_TRUE(MustDecode(R"({"streams": null})")->streams.empty());
  EXPECT_TRUE(MustDecode(R"({"streams": [null]})")->streams.empty());
  auto r = MustDecode(R"({"streams": [{"stream": {"a": "b"}}]})");
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_TRUE(r->streams[0].entries.empty());
}

TEST(JsonDecoderTest, StreamsKeyIgnoresCaseAndLastOneCounts) {
  EXPECT_EQ(MustDecode(R"({"Streams":[{"values":[["1","x"]]}]})")->streams.size(), 1u);
  auto r = MustDecode(R"({"streams":[{"values":[["1","x"]]},{"values":[["1","y"]]}],)"
                      R"("STREAMS":[{"values":[["2","z"]]}]})");
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].entries[0].line, "z");
}

TEST(JsonDecoderTest, ValueShapes) {
  // json_values_not_pairs: only a timestamp is an empty line.
  auto only_ts = MustDecode(R"({"streams":[{"values":[["7"]]}]})");
  EXPECT_EQ(only_ts->streams[0].entries[0].timestamp_ns, 7);
  EXPECT_EQ(only_ts->streams[0].entries[0].line, "");
  // json_values_four: the extra element is ignored, whatever it is.
  auto four = MustDecode(R"({"streams":[{"values":[["1","four elements",{"a":"b"},"extra",)"
                         R"({"x":[1,2.5e3,-0.1,true,false,null]}]]}]})");
  EXPECT_EQ(four->streams[0].entries[0].line, "four elements");
  EXPECT_EQ(Metadata(*four, four->streams[0].entries[0]), "a=b;");
  // json_sm_empty_object and null metadata.
  auto empty_md = MustDecode(R"({"streams":[{"values":[["1","x",{}],["2","y",null]]}]})");
  EXPECT_EQ(empty_md->streams[0].entries[0].metadata_count, 0u);
  EXPECT_EQ(empty_md->streams[0].entries[1].metadata_count, 0u);
  // Metadata names are kept as sent here; validation sanitizes them.
  auto odd = MustDecode(R"({"streams":[{"values":[["1","x",{"trace-id":"abc","1st":"x"}]]}]})");
  EXPECT_EQ(Metadata(*odd, odd->streams[0].entries[0]), "trace-id=abc;1st=x;");
  EXPECT_TRUE(StartsWith(Err(R"({"streams":[{"values":[[]]}]})"), kStreamsPrefix));
}

TEST(JsonDecoderTest, Timestamps) {
  auto ts = [](std::string_view t) {
    auto r = MustDecode(R"({"streams":[{"values":[[")" + std::string(t) + R"(","x"]]}]})");
    return r->streams.empty() ? 0 : r->streams[0].entries[0].timestamp_ns;
  };
  EXPECT_EQ(ts("0"), 0);
  EXPECT_EQ(ts("1795420751123456789"), 1795420751123456789);
  EXPECT_EQ(ts("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ts("-5"), -5);
  EXPECT_EQ(ts("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  for (std::string_view bad :
       {R"("abc")", R"("1.5")", R"("")", R"("-")", R"("+5")", R"(" 5")", R"("9223372036854775808")",
        R"("99999999999999999999999")", "1795420751000000000", "null", "[]"}) {
    std::string msg = Err(R"({"streams":[{"values":[[)" + std::string(bad) + R"(,"x"]]}]})");
    EXPECT_TRUE(StartsWith(msg, kStreamsPrefix)) << bad << ": " << msg;
  }
}

TEST(JsonDecoderTest, TypeErrors) {
  for (std::string body : {
           R"({"streams":{"stream":{"a":"b"},"values":[["1","x"]]}})",  // json_streams_not_list
           R"({"streams":[{"values":[["1",12345]]}]})",                 // json_line_not_string
           R"({"streams":[{"values":[["1","x","trace_id=abc"]]}]})",    // json_sm_not_object
           R"({"streams":[{"values":[["1","x",{"k":1}]]}]})",
           R"({"streams":[{"values":[["1","x",{"k":null}]]}]})",
           R"({"streams":[{"stream":{"a":1},"values":[["1","x"]]}]})",
           R"({"streams":[{"stream":["a"],"values":[["1","x"]]}]})",
           R"({"streams":[{"values":{"a":"b"}}]})",
           R"({"streams":[{"values":["1","x"]}]})",
           R"({"streams":[1]})",
       }) {
    std::string msg = Err(body);
    EXPECT_TRUE(StartsWith(msg, kStreamsPrefix)) << body << ": " << msg;
    EXPECT_NE(msg.find("error found in #"), std::string::npos) << msg;
  }
  EXPECT_TRUE(StartsWith(Err(R"({"streams":{"stream":{}}})"),
                         "loghttp.PushRequest.Streams: []loghttp.LogProtoStream: decode slice: "
                         "expect [ or n, but found {"));
}

TEST(JsonDecoderTest, RepeatedLabelKeyTakesTheLastValue) {
  // json_duplicate_label_key
  auto r = MustDecode(
      R"({"streams":[{"stream":{"pc":"x","dup":"a","run":"r","dup":"b"},"values":[["1","x"]]}]})");
  const auto& labels = r->streams[0].labels;
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[1].name, "dup");
  EXPECT_EQ(labels[1].value, "b");
  // Many labels take the other path.
  std::string body = R"({"streams":[{"stream":{)";
  for (int i = 0; i < 40; i++) body += "\"l" + std::to_string(i) + "\":\"v\",";
  body += R"("l7":"last"},"values":[["1","x"]]}]})";
  auto many = MustDecode(body);
  ASSERT_EQ(many->streams[0].labels.size(), 40u);
  EXPECT_EQ(many->streams[0].labels[7].value, "last");
}

TEST(JsonDecoderTest, SkipsUnknownKeys) {
  auto r = MustDecode(R"( { "a" : {"b":[1, -2.5E+3, "s\"", true, false, null, {}, []]},
      "streams" : [ { "x" : [[[]]], "stream" : { "a" : "b" } , "values" : [ [ "1" , "l" ] ] ,
      "y": "z" } ], "z": 0 } )");
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].entries[0].line, "l");
}

TEST(JsonDecoderTest, SyntaxErrors) {
  for (std::string body : {
           R"({"streams":[{"values":[["1","x"]]}]} trailing)",
           R"({"streams":[{"values":[["1","x"]]}]}{})",
           R"({"streams":[{"values":[["1","x\q"]]}]})",
           R"({"streams":[{"values":[["1","x\u12"]]}]})",
           R"({"streams":[{"values":[["1","x"],]}]})",
           R"({"streams":[{"values":[["1" "x"]]}]})",
           R"({"streams" [ ]})",
           R"({streams: []})",
           R"({"a": tru})",
           R"({"a": 1.})",
           R"({"a": -})",
           R"({"a": 1e})",
           R"({"a": @})",
           R"({"a": "unterminated)",
       }) {
    Err(body);
  }
  EXPECT_NE(Err(std::string(100000, '[')).find("readObjectStart"), std::string::npos);
  std::string deep = R"({"a":)" + std::string(100000, '[');
  EXPECT_NE(Err(deep).find("nesting too deep"), std::string::npos);
  std::string objects;
  for (int i = 0; i < 100000; i++) objects += R"({"a":)";
  EXPECT_NE(Err(objects).find("nesting too deep"), std::string::npos);
  // Deep where the decoder expects a known shape: an error at the first
  // wrong token, without descending.
  for (std::string_view at :
       {R"({"streams":)", R"({"streams":[)", R"({"streams":[{"stream":)",
        R"({"streams":[{"values":)", R"({"streams":[{"values":[)",
        R"({"streams":[{"values":[["1","x",)", R"({"streams":[{"stream":{"a":"b"},"x":)"}) {
    EXPECT_FALSE(Err(std::string(at) + std::string(100000, '[')).empty()) << at;
    EXPECT_FALSE(Err(std::string(at) + objects).empty()) << at;
  }
}

TEST(JsonDecoderTest, EveryCutPointIsAnError) {
  // json_truncated, at every length.
  std::string body = R"({"streams":[{"stream":{"pc":"json_truncated","run":"r\u0031"},)"
                     R"("values":[["1795420751000000000","cut \"here\"",{"k":"v"}]]}]})";
  for (size_t n = 0; n < body.size(); n++) {
    std::string msg = Err(body.substr(0, n));
    if (n > 0) {
      EXPECT_TRUE(StartsWith(msg, kStreamsPrefix) || StartsWith(msg, "loghttp.PushRequest: "))
          << n << ": " << msg;
    }
  }
  MustDecode(body + " \n");
}

TEST(JsonDecoderTest, PaddedBodyOf110Megabytes) {
  // size_body_110mb
  std::string body =
      R"({"streams":[{"stream":{"pc":"size_body_110mb"},"values":[["1","padded body"]]}]})";
  body.append(110'000'000, ' ');
  auto r = MustDecode(std::move(body));
  EXPECT_EQ(r->streams[0].entries[0].line, "padded body");
}

TEST(JsonDecoderTest, RandomMutationsNeverCrash) {
  std::string base = R"({"streams":[{"stream":{"a":"b\n","c":"d"},)"
                     R"("values":[["1","x\"y",{"k":"v"}],["2","z",{},4]]}]})";
  std::mt19937 rng(1);
  const char alphabet[] = "{}[]\",:\\u0123456789abnlrtef -.";
  for (int iter = 0; iter < 30000; iter++) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; k++) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[pos] = alphabet[rng() % (sizeof(alphabet) - 1)];
          break;
        case 1:
          s.erase(pos, 1);
          break;
        default:
          s.insert(pos, 1, alphabet[rng() % (sizeof(alphabet) - 1)]);
      }
    }
    auto r = DecodeJsonPush(s);
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
}

}  // namespace
}  // namespace logstack::logstore::push
