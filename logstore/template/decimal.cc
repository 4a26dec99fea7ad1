#include "logstore/template/decimal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace logstack::logstore::tmpl {
namespace {

constexpr int kDivisionPrecision = 16;  // shopspring/decimal's DivisionPrecision
constexpr int64_t kMaxExpGap = 4000;    // beyond any float64's reach

void Trim(std::string* d) {
  size_t nz = d->find_first_not_of('0');
  if (nz == std::string::npos) {
    d->clear();
  } else if (nz > 0) {
    d->erase(0, nz);
  }
}

int CmpMag(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddMag(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  size_t i = a.size(), j = b.size();
  while (i > 0 || j > 0 || carry) {
    int s = carry;
    if (i > 0) s += a[--i] - '0';
    if (j > 0) s += b[--j] - '0';
    r.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(r.begin(), r.end());
  Trim(&r);
  return r;
}

// REQUIRES: a >= b.
std::string SubMag(const std::string& a, const std::string& b) {
  std::string r;
  int borrow = 0;
  size_t i = a.size(), j = b.size();
  while (i > 0) {
    int s = (a[--i] - '0') - borrow - (j > 0 ? b[--j] - '0' : 0);
    borrow = s < 0;
    if (s < 0) s += 10;
    r.push_back(static_cast<char>('0' + s));
  }
  std::reverse(r.begin(), r.end());
  Trim(&r);
  return r;
}

std::string MulMag(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return "";
  std::vector<int> acc(a.size() + b.size(), 0);
  for (size_t i = a.size(); i > 0; --i) {
    for (size_t j = b.size(); j > 0; --j) {
      acc[i + j - 1] += (a[i - 1] - '0') * (b[j - 1] - '0');
    }
  }
  for (size_t k = acc.size() - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string r;
  for (int v : acc) r.push_back(static_cast<char>('0' + v));
  Trim(&r);
  return r;
}

// Long division: *q = a / b, *r = a % b. REQUIRES: b != 0.
void DivMag(const std::string& a, const std::string& b, std::string* q, std::string* r) {
  q->clear();
  std::string rem;
  for (char c : a) {
    rem.push_back(c);
    Trim(&rem);
    int d = 0;
    while (CmpMag(rem, b) >= 0) {
      rem = SubMag(rem, b);
      ++d;
    }
    q->push_back(static_cast<char>('0' + d));
  }
  Trim(q);
  *r = rem;
}

}  // namespace

Status Decimal::FromDouble(double f, Decimal* out) {
  if (std::isnan(f)) return InvalidArgument("Cannot create a Decimal from NaN");
  if (std::isinf(f)) {
    return InvalidArgument(std::string("Cannot create a Decimal from ") +
                           (f > 0 ? "+Inf" : "-Inf"));
  }
  *out = Decimal();
  if (f == 0) return Status::Ok();
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(f), std::chars_format::scientific);
  std::string_view s(buf, res.ptr - buf);
  size_t e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());
  // digits = d.ddd: value = digits * 10^(exp10 - (n-1)).
  out->exp_ = exp10 - static_cast<int64_t>(digits.size() - 1);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++out->exp_;
  }
  out->digits_ = digits;
  out->neg_ = f < 0;
  return Status::Ok();
}

Status Decimal::Apply(Op op, const Decimal& other) {
  switch (op) {
    case Op::kAdd:
    case Op::kSub: {
      bool oneg = op == Op::kSub ? !other.neg_ : other.neg_;
      if (other.digits_.empty()) return Status::Ok();
      if (digits_.empty()) {
        *this = other;
        neg_ = oneg;
        return Status::Ok();
      }
      int64_t e = std::min(exp_, other.exp_);
      if (std::max(exp_, other.exp_) - e > kMaxExpGap) {
        // One operand is negligible at float64 precision.
        if (exp_ < other.exp_) {
          *this = other;
          neg_ = oneg;
        }
        return Status::Ok();
      }
      std::string a = digits_ + std::string(exp_ - e, '0');
      std::string b = other.digits_ + std::string(other.exp_ - e, '0');
      if (neg_ == oneg) {
        digits_ = AddMag(a, b);
      } else if (CmpMag(a, b) >= 0) {
        digits_ = SubMag(a, b);
      } else {
        digits_ = SubMag(b, a);
        neg_ = oneg;
      }
      exp_ = e;
      if (digits_.empty()) neg_ = false;
      return Status::Ok();
    }
    case Op::kMul:
      digits_ = MulMag(digits_, other.digits_);
      exp_ += other.exp_;
      neg_ = digits_.empty() ? false : neg_ != other.neg_;
      return Status::Ok();
    case Op::kDiv: {
      if (other.digits_.empty()) return InvalidArgument("decimal division by 0");
      if (digits_.empty()) return Status::Ok();
      // Q = round(A * 10^k / B) with k chosen so Q counts 10^-16 units.
      int64_t k = exp_ - other.exp_ + kDivisionPrecision;
      if (k > kMaxExpGap || k < -kMaxExpGap) {
        *this = Decimal();
        if (k > 0) {
          digits_ = "1";
          exp_ = kMaxExpGap;
        }
        return Status::Ok();
      }
      std::string num = digits_, den = other.digits_;
      if (k >= 0) {
        num += std::string(k, '0');
      } else {
        den += std::string(-k, '0');
      }
      std::string q, r;
      DivMag(num, den, &q, &r);
      if (CmpMag(AddMag(r, r), den) >= 0) q = AddMag(q, "1");
      bool neg = neg_ != other.neg_;
      digits_ = q;
      Trim(&digits_);
      exp_ = -kDivisionPrecision;
      neg_ = digits_.empty() ? false : neg;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

double Decimal::ToDouble() const {
  if (digits_.empty()) return 0;
  std::string s = (neg_ ? "-" : "") + digits_ + "e" + std::to_string(exp_);
  return std::strtod(s.c_str(), nullptr);
}

}  // namespace logstack::logstore::tmpl
