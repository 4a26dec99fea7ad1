#include "logstore/engine/matrix.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "logstore/model/labels.h"

namespace logstack::logstore::engine {
namespace {

using logql::BinaryOp;
using logql::VectorOp;

std::string Key(const Labels& l) { return LabelsString(l); }

bool Contains(const std::vector<std::string>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

Labels GroupLabels(const Labels& in, const std::optional<logql::Grouping>& g) {
  if (!g) return {};
  return g->without ? DropLabels(in, g->labels) : KeepLabels(in, g->labels);
}

// Welford's running mean and variance.
struct Running {
  double n = 0, mean = 0, m2 = 0;
  void Add(double x) {
    n += 1;
    double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  double Var() const { return n > 0 ? m2 / n : 0; }
};

}  // namespace

bool StepSeries::Empty() const {
  return std::none_of(has.begin(), has.end(), [](uint8_t h) { return h != 0; });
}

Labels KeepLabels(const Labels& in, const std::vector<std::string>& names) {
  Labels out;
  for (const auto& l : in) {
    if (Contains(names, l.name)) out.push_back(l);
  }
  return out;
}

Labels DropLabels(const Labels& in, const std::vector<std::string>& names) {
  Labels out;
  for (const auto& l : in) {
    if (!Contains(names, l.name) && l.name != "__name__") out.push_back(l);
  }
  return out;
}

double ApplyBinary(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return b == 0 ? std::numeric_limits<double>::quiet_NaN() : a / b;
    case BinaryOp::kMod:
      return b == 0 ? std::numeric_limits<double>::quiet_NaN() : std::fmod(a, b);
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kEq:
      return a == b ? 1 : 0;
    case BinaryOp::kNe:
      return a != b ? 1 : 0;
    case BinaryOp::kGt:
      return a > b ? 1 : 0;
    case BinaryOp::kGe:
      return a >= b ? 1 : 0;
    case BinaryOp::kLt:
      return a < b ? 1 : 0;
    case BinaryOp::kLe:
      return a <= b ? 1 : 0;
    default:
      return 0;
  }
}

StatusOr<StepValue> VectorAggregate(const logql::VectorAggExpr& e, StepValue in,
                                    const StepGrid& grid) {
  StepValue out;
  const size_t n = grid.n;
  if (e.op == VectorOp::kSort || e.op == VectorOp::kSortDesc) {
    // The order only shows in an instant vector; series keep their labels.
    if (n == 1) {
      bool desc = e.op == VectorOp::kSortDesc;
      std::stable_sort(in.series.begin(), in.series.end(),
                       [desc](const StepSeries& a, const StepSeries& b) {
                         double x = a.v[0], y = b.v[0];
                         if (std::isnan(x)) return false;
                         if (std::isnan(y)) return true;
                         return desc ? x > y : x < y;
                       });
    }
    return in;
  }
  // Groups, in first-seen order.
  std::unordered_map<std::string, size_t> group_of;
  std::vector<Labels> group_labels;
  std::vector<std::vector<size_t>> members;
  for (size_t i = 0; i < in.series.size(); ++i) {
    Labels g = GroupLabels(in.series[i].labels, e.grouping);
    auto [it, fresh] = group_of.emplace(Key(g), group_labels.size());
    if (fresh) {
      group_labels.push_back(std::move(g));
      members.emplace_back();
    }
    members[it->second].push_back(i);
  }

  if (e.op == VectorOp::kTopK || e.op == VectorOp::kBottomK) {
    int64_t k = e.param.value_or(0);
    std::vector<StepSeries> res;
    res.reserve(in.series.size());
    for (auto& s : in.series) {
      StepSeries r(n);
      r.labels = s.labels;
      res.push_back(std::move(r));
    }
    bool top = e.op == VectorOp::kTopK;
    std::vector<size_t> cand;
    for (size_t gi = 0; gi < members.size() && k > 0; ++gi) {
      for (size_t t = 0; t < n; ++t) {
        cand.clear();
        for (size_t i : members[gi]) {
          if (in.series[i].has[t]) cand.push_back(i);
        }
        size_t take = std::min<size_t>(cand.size(), static_cast<size_t>(k));
        std::partial_sort(cand.begin(), cand.begin() + take, cand.end(), [&](size_t a, size_t b) {
          double x = in.series[a].v[t], y = in.series[b].v[t];
          if (std::isnan(x)) return false;
          if (std::isnan(y)) return true;
          return top ? x > y : x < y;
        });
        for (size_t j = 0; j < take; ++j) {
          res[cand[j]].v[t] = in.series[cand[j]].v[t];
          res[cand[j]].has[t] = 1;
        }
      }
    }
    for (auto& r : res) {
      if (!r.Empty()) out.series.push_back(std::move(r));
    }
    return out;
  }

  for (size_t gi = 0; gi < members.size(); ++gi) {
    StepSeries r(n);
    r.labels = std::move(group_labels[gi]);
    for (size_t t = 0; t < n; ++t) {
      Running run;
      double acc = 0;
      size_t count = 0;
      for (size_t i : members[gi]) {
        const StepSeries& s = in.series[i];
        if (!s.has[t]) continue;
        double x = s.v[t];
        switch (e.op) {
          case VectorOp::kSum:
            acc += x;
            break;
          case VectorOp::kMin:
            if (count == 0 || x < acc || std::isnan(acc)) acc = x;
            break;
          case VectorOp::kMax:
            if (count == 0 || x > acc || std::isnan(acc)) acc = x;
            break;
          case VectorOp::kAvg:
          case VectorOp::kStddev:
          case VectorOp::kStdvar:
            run.Add(x);
            break;
          default:
            break;
        }
        ++count;
      }
      if (count == 0) continue;
      double v = 0;
      switch (e.op) {
        case VectorOp::kSum:
        case VectorOp::kMin:
        case VectorOp::kMax:
          v = acc;
          break;
        case VectorOp::kCount:
          v = static_cast<double>(count);
          break;
        case VectorOp::kAvg:
          v = run.mean;
          break;
        case VectorOp::kStddev:
          v = std::sqrt(run.Var());
          break;
        case VectorOp::kStdvar:
          v = run.Var();
          break;
        default:
          break;
      }
      r.v[t] = v;
      r.has[t] = 1;
    }
    if (!r.Empty()) out.series.push_back(std::move(r));
  }
  return out;
}

namespace {

Labels Signature(const Labels& l, const std::optional<logql::VectorMatching>& m) {
  if (!m) return DropLabels(l, {});
  return m->on ? KeepLabels(l, m->labels) : DropLabels(l, m->labels);
}

StepValue SetOperation(const logql::BinaryExpr& e, StepValue lhs, StepValue rhs,
                       const StepGrid& grid) {
  const size_t n = grid.n;
  std::vector<std::string> lsig, rsig;
  for (auto& s : lhs.series) lsig.push_back(Key(Signature(s.labels, e.matching)));
  for (auto& s : rhs.series) rsig.push_back(Key(Signature(s.labels, e.matching)));
  StepValue out;
  if (e.op == BinaryOp::kOr) {
    for (size_t t = 0; t < n; ++t) {
      std::unordered_map<std::string, bool> seen;
      for (size_t i = 0; i < lhs.series.size(); ++i) {
        if (lhs.series[i].has[t]) seen[lsig[i]] = true;
      }
      for (size_t j = 0; j < rhs.series.size(); ++j) {
        if (rhs.series[j].has[t] && seen.count(rsig[j])) rhs.series[j].has[t] = 0;
      }
    }
    // A right-hand series with the same labels as a left-hand one fills the
    // left one's gaps: one label set is one series.
    std::unordered_map<std::string, size_t> by_labels;
    for (auto& s : lhs.series) {
      if (s.Empty()) continue;
      by_labels.emplace(Key(s.labels), out.series.size());
      out.series.push_back(std::move(s));
    }
    for (auto& s : rhs.series) {
      if (s.Empty()) continue;
      auto it = by_labels.find(Key(s.labels));
      if (it == by_labels.end()) {
        out.series.push_back(std::move(s));
        continue;
      }
      StepSeries& dst = out.series[it->second];
      for (size_t t = 0; t < n; ++t) {
        if (s.has[t] && !dst.has[t]) {
          dst.v[t] = s.v[t];
          dst.has[t] = 1;
        }
      }
    }
    return out;
  }
  bool keep_if_match = e.op == BinaryOp::kAnd;
  for (size_t t = 0; t < n; ++t) {
    std::unordered_map<std::string, bool> present;
    for (size_t j = 0; j < rhs.series.size(); ++j) {
      if (rhs.series[j].has[t]) present[rsig[j]] = true;
    }
    for (size_t i = 0; i < lhs.series.size(); ++i) {
      if (!lhs.series[i].has[t]) continue;
      bool m = present.count(lsig[i]) > 0;
      if (m != keep_if_match) lhs.series[i].has[t] = 0;
    }
  }
  for (auto& s : lhs.series) {
    if (!s.Empty()) out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace

StatusOr<StepValue> BinaryOperation(const logql::BinaryExpr& e, StepValue lhs, StepValue rhs,
                                    const StepGrid& grid) {
  const size_t n = grid.n;
  const bool cmp = logql::IsComparison(e.op);
  if (lhs.is_scalar && rhs.is_scalar) {
    StepValue out;
    out.is_scalar = true;
    out.scalar = ApplyBinary(e.op, lhs.scalar, rhs.scalar);
    return out;
  }
  if (logql::IsSetOp(e.op)) {
    if (lhs.is_scalar || rhs.is_scalar) {
      return InvalidArgument("unexpected literal for right-hand side of binary operation");
    }
    return SetOperation(e, std::move(lhs), std::move(rhs), grid);
  }
  if (lhs.is_scalar || rhs.is_scalar) {
    bool scalar_left = lhs.is_scalar;
    double k = scalar_left ? lhs.scalar : rhs.scalar;
    StepValue vec = scalar_left ? std::move(rhs) : std::move(lhs);
    StepValue out;
    for (auto& s : vec.series) {
      for (size_t t = 0; t < n; ++t) {
        if (!s.has[t]) continue;
        double a = scalar_left ? k : s.v[t];
        double b = scalar_left ? s.v[t] : k;
        double r = ApplyBinary(e.op, a, b);
        if (cmp && !e.return_bool) {
          if (r == 0) s.has[t] = 0;  // filtered; keep the vector's value
        } else {
          s.v[t] = r;
        }
      }
      if (!s.Empty()) out.series.push_back(std::move(s));
    }
    return out;
  }

  using Card = logql::VectorMatching::Card;
  Card card = e.matching ? e.matching->card : Card::kOneToOne;
  bool swapped = card == Card::kOneToMany;
  StepValue& many = swapped ? rhs : lhs;
  StepValue& one = swapped ? lhs : rhs;
  std::vector<std::string> msig, osig;
  for (auto& s : many.series) msig.push_back(Key(Signature(s.labels, e.matching)));
  for (auto& s : one.series) osig.push_back(Key(Signature(s.labels, e.matching)));

  // Result labels per (many, one) pair are computed lazily and cached.
  std::map<std::pair<size_t, size_t>, size_t> result_of;
  std::unordered_map<std::string, size_t> result_index;
  std::vector<StepSeries> results;
  auto result_labels = [&](size_t i, size_t j) {
    Labels l = many.series[i].labels;
    if (card == Card::kOneToOne) {
      if (e.matching && e.matching->on) {
        l = KeepLabels(l, e.matching->labels);
      } else {
        l = DropLabels(l, e.matching ? e.matching->labels : std::vector<std::string>{});
      }
    }
    if (e.matching) {
      for (const auto& name : e.matching->include) {
        const Labels& ol = one.series[j].labels;
        auto it =
            std::find_if(ol.begin(), ol.end(), [&](const Label& x) { return x.name == name; });
        auto dst = std::find_if(l.begin(), l.end(), [&](const Label& x) { return x.name == name; });
        if (it != ol.end() && !it->value.empty()) {
          if (dst != l.end()) {
            dst->value = it->value;
          } else {
            l.push_back(*it);
          }
        } else if (dst != l.end()) {
          l.erase(dst);
        }
      }
      std::sort(l.begin(), l.end());
    }
    return l;
  };

  for (size_t t = 0; t < n; ++t) {
    std::unordered_map<std::string_view, size_t> one_by_sig;
    for (size_t j = 0; j < one.series.size(); ++j) {
      if (!one.series[j].has[t]) continue;
      auto [it, fresh] = one_by_sig.emplace(osig[j], j);
      if (!fresh) {
        return InvalidArgument(std::string("found duplicate series on the ") +
                               (swapped ? "left" : "right") +
                               " hand-side;many-to-many matching not allowed: matching labels "
                               "must be unique on one side");
      }
    }
    std::unordered_map<std::string_view, size_t> many_seen;
    for (size_t i = 0; i < many.series.size(); ++i) {
      if (!many.series[i].has[t]) continue;
      auto it = one_by_sig.find(msig[i]);
      if (it == one_by_sig.end()) continue;
      if (card == Card::kOneToOne) {
        auto [mit, fresh] = many_seen.emplace(msig[i], i);
        if (!fresh) {
          return InvalidArgument(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
      }
      size_t j = it->second;
      double a = swapped ? one.series[j].v[t] : many.series[i].v[t];
      double b = swapped ? many.series[i].v[t] : one.series[j].v[t];
      double r = ApplyBinary(e.op, a, b);
      if (cmp && !e.return_bool) {
        if (r == 0) continue;
        r = a;
      }
      auto key = std::make_pair(i, j);
      auto rit = result_of.find(key);
      size_t ri;
      if (rit == result_of.end()) {
        Labels l = result_labels(i, j);
        auto [xit, fresh] = result_index.emplace(Key(l), results.size());
        if (fresh) {
          StepSeries s(n);
          s.labels = std::move(l);
          results.push_back(std::move(s));
        }
        ri = xit->second;
        result_of.emplace(key, ri);
      } else {
        ri = rit->second;
      }
      if (results[ri].has[t]) {
        return InvalidArgument(
            "multiple matches for labels: grouping labels must ensure unique matches");
      }
      results[ri].v[t] = r;
      results[ri].has[t] = 1;
    }
  }
  StepValue out;
  out.series = std::move(results);
  return out;
}

namespace {

// Expands $1, ${1}, $name and ${name} as Go's regexp.Expand does.
std::string Expand(std::string_view repl, const RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    if (repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t j = i + 1;
    std::string name;
    bool braced = repl[j] == '{';
    if (braced) {
      size_t close = repl.find('}', j);
      if (close == std::string_view::npos) {
        out += c;
        continue;
      }
      name = std::string(repl.substr(j + 1, close - j - 1));
      j = close + 1;
    } else {
      size_t k = j;
      while (k < repl.size() &&
             (std::isalnum(static_cast<unsigned char>(repl[k])) || repl[k] == '_'))
        ++k;
      name = std::string(repl.substr(j, k - j));
      j = k;
    }
    if (name.empty()) {
      out += c;
      continue;
    }
    int idx = -1;
    if (std::all_of(name.begin(), name.end(), [](char x) { return x >= '0' && x <= '9'; })) {
      idx = std::atoi(name.c_str());
    } else if (auto it = names.find(name); it != names.end()) {
      idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size())
      out.append(groups[idx].data(), groups[idx].size());
    i = j - 1;
  }
  return out;
}

}  // namespace

StatusOr<StepValue> LabelReplace(const logql::LabelReplaceExpr& e, StepValue in) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re("^(?:" + e.regex + ")$", opts);
  if (!re.ok()) return InvalidArgument("invalid regex in label_replace: " + re.error());
  if (in.is_scalar) return in;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  for (auto& s : in.series) {
    std::string src;
    for (const auto& l : s.labels) {
      if (l.name == e.src) src = l.value;
    }
    if (!re.Match(src, 0, src.size(), RE2::ANCHOR_BOTH, groups.data(), ngroups)) continue;
    std::string value = Expand(e.replacement, re, groups);
    auto it = std::find_if(s.labels.begin(), s.labels.end(),
                           [&](const Label& l) { return l.name == e.dst; });
    if (value.empty()) {
      if (it != s.labels.end()) s.labels.erase(it);
    } else if (it != s.labels.end()) {
      it->value = value;
    } else {
      s.labels.push_back({e.dst, value});
      std::sort(s.labels.begin(), s.labels.end());
    }
  }
  return in;
}

}  // namespace logstack::logstore::engine
