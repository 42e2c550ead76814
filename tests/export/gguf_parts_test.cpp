// The export's parts on known values: the tensor encodings bit for bit (ggml's rules, ties
// included), the q/k row permutation, and the GGUF container's layout.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "core/file_io.h"
#include "export/gguf_writer.h"
#include "export/llama_cpp_tensors.h"
#include "export/tensor_encoding.h"
#include "test_support.h"

namespace longalign::gguf {
namespace {

namespace fs = std::filesystem;

template <typename T>
T read_at(const std::vector<unsigned char>& bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

TEST(TensorEncoding, F16RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and the next half, 1 + 2^-10: ties go to the even 1.
  const float values[] = {1.0f, -2.0f, 65504.0f, 1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0.0f};
  const auto bytes = encode_tensor(TensorType::f16, values, 6);
  ASSERT_EQ(bytes.size(), 12u);
  EXPECT_EQ(read_at<uint16_t>(bytes, 0), 0x3C00);
  EXPECT_EQ(read_at<uint16_t>(bytes, 2), 0xC000);
  EXPECT_EQ(read_at<uint16_t>(bytes, 4), 0x7BFF);
  EXPECT_EQ(read_at<uint16_t>(bytes, 6), 0x3C00);
  EXPECT_EQ(read_at<uint16_t>(bytes, 8), 0x3C02);
  EXPECT_EQ(read_at<uint16_t>(bytes, 10), 0x0000);
}

TEST(TensorEncoding, Bf16RoundsToNearestEvenAndKeepsNan) {
  const float values[] = {1.0f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, std::nanf("")};
  const auto bytes = encode_tensor(TensorType::bf16, values, 4);
  EXPECT_EQ(read_at<uint16_t>(bytes, 0), 0x3F80);
  EXPECT_EQ(read_at<uint16_t>(bytes, 2), 0x3F80);  // halfway, to the even neighbour
  EXPECT_EQ(read_at<uint16_t>(bytes, 4), 0x3F82);
  EXPECT_EQ(read_at<uint16_t>(bytes, 6) & 0x7FC0, 0x7FC0);
}

// A block whose largest magnitude is 127 has the scale 1, so each value is rounded by roundf:
// halves away from zero (2.5 -> 3, -2.5 -> -3), not to even.
TEST(TensorEncoding, Q8_0BlocksAreGgmlsReference) {
  std::vector<float> values(64, 0.0f);
  values[0] = 127.0f;
  values[1] = 2.5f;
  values[2] = -2.5f;
  values[3] = 0.49f;
  values[4] = -127.0f;
  // The second block: scale 0.5 / 127, values scaled by its fp32 inverse.
  for (int i = 0; i < 32; ++i) values[32 + i] = 0.5f * static_cast<float>(i - 16) / 16.0f;
  const auto bytes = encode_tensor(TensorType::q8_0, values.data(), 64);
  ASSERT_EQ(bytes.size(), 68u);
  EXPECT_EQ(read_at<uint16_t>(bytes, 0), 0x3C00);  // d = 1.0 in fp16
  const auto q = [&](size_t block, size_t j) { return read_at<int8_t>(bytes, block * 34 + 2 + j); };
  EXPECT_EQ(q(0, 0), 127);
  EXPECT_EQ(q(0, 1), 3);
  EXPECT_EQ(q(0, 2), -3);
  EXPECT_EQ(q(0, 3), 0);
  EXPECT_EQ(q(0, 4), -127);
  EXPECT_EQ(q(0, 5), 0);
  const float d = 0.5f / 127.0f, id = 1.0f / d;
  EXPECT_EQ(q(1, 0), -127);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(q(1, i), static_cast<int8_t>(std::roundf(values[32 + i] * id)));
  EXPECT_EQ(read_at<uint16_t>(bytes, 34), _cvtss_sh(d, 0));
}

TEST(TensorEncoding, Q8_0OfZerosHasScaleZero) {
  const std::vector<float> zeros(32, 0.0f);
  const auto bytes = encode_tensor(TensorType::q8_0, zeros.data(), 32);
  for (const unsigned char b : bytes) EXPECT_EQ(b, 0);
}

// Rows of one head are (half, j) in Hugging Face's order and (j, half) after the permutation.
TEST(LlamaCppTensors, PermuteInterleavesTheTwoHalvesOfEachHead) {
  constexpr int64_t heads = 2, head_dim = 6, cols = 3;
  std::vector<float> rows(heads * head_dim * cols);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i / cols);  // row index
  permute_rope_rows(rows.data(), heads, head_dim, cols);
  const float expected_rows[] = {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11};
  for (int64_t r = 0; r < heads * head_dim; ++r) {
    for (int64_t c = 0; c < cols; ++c) EXPECT_EQ(rows[r * cols + c], expected_rows[r]) << r;
  }
}

// The rotation llama.cpp applies to adjacent pairs of the permuted rows is the one transformers
// applies to (i, i + D/2) of the original rows, so q.k after RoPE is the same number.
TEST(LlamaCppTensors, PermutedRowsGiveTheSameRotatedDotProducts) {
  constexpr int64_t D = 8, half = D / 2;
  std::vector<float> q(D), k(D);
  for (int64_t i = 0; i < D; ++i) {
    q[i] = std::sin(1.3f * static_cast<float>(i) + 0.2f);
    k[i] = std::cos(0.7f * static_cast<float>(i));
  }
  const auto angle = [](int64_t pos, int64_t i) {
    return static_cast<double>(pos) * std::pow(10000.0, -2.0 * static_cast<double>(i) / D);
  };
  const auto rotate_half = [&](std::vector<float> x, int64_t pos) {
    for (int64_t i = 0; i < half; ++i) {
      const double c = std::cos(angle(pos, i)), s = std::sin(angle(pos, i));
      const double a = x[i], b = x[i + half];
      x[i] = static_cast<float>(a * c - b * s);
      x[i + half] = static_cast<float>(b * c + a * s);
    }
    return x;
  };
  const auto rotate_adjacent = [&](std::vector<float> x, int64_t pos) {
    for (int64_t i = 0; i < half; ++i) {
      const double c = std::cos(angle(pos, i)), s = std::sin(angle(pos, i));
      const double a = x[2 * i], b = x[2 * i + 1];
      x[2 * i] = static_cast<float>(a * c - b * s);
      x[2 * i + 1] = static_cast<float>(b * c + a * s);
    }
    return x;
  };
  const auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
    return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
  };
  std::vector<float> pq = q, pk = k;
  permute_rope_rows(pq.data(), 1, D, 1);
  permute_rope_rows(pk.data(), 1, D, 1);
  const double hf = dot(rotate_half(q, 5), rotate_half(k, 2));
  const double llama_cpp = dot(rotate_adjacent(pq, 5), rotate_adjacent(pk, 2));
  EXPECT_NEAR(hf, llama_cpp, 1e-5);
}

// Header, metadata, tensor table, then data aligned to 32 bytes, each tensor at its recorded
// offset.
TEST(GgufWriter, LaysOutHeaderTableAndAlignedData) {
  testing::TempDir dir;
  Writer w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 2);
  w.add_tensor({"a", {3}, TensorType::f32});
  w.add_tensor({"b", {2, 2}, TensorType::f16});
  const fs::path file = dir.path() / "x.gguf";
  w.write(file, [](size_t i) {
    return std::vector<unsigned char>(i == 0 ? 12 : 8, static_cast<unsigned char>(0xA0 + i));
  });
  const std::string s = read_file(file);
  const std::vector<unsigned char> bytes(s.begin(), s.end());
  EXPECT_EQ(s.substr(0, 4), "GGUF");
  EXPECT_EQ(read_at<uint32_t>(bytes, 4), 3u);
  EXPECT_EQ(read_at<uint64_t>(bytes, 8), 2u);   // tensors
  EXPECT_EQ(read_at<uint64_t>(bytes, 16), 2u);  // metadata
  const size_t data = s.find(std::string(12, '\xA0'));
  ASSERT_NE(data, std::string::npos);
  EXPECT_EQ(data % kAlignment, 0u);
  EXPECT_EQ(s.substr(data + 32, 8), std::string(8, '\xA1'));  // b at offset 32
  EXPECT_EQ(bytes.size(), data + 64);                         // the last tensor padded too
  EXPECT_EQ(s.find(".tmp."), std::string::npos);
}

TEST(GgufWriter, ATensorOfTheWrongSizeIsAnErrorAndLeavesNoFile) {
  testing::TempDir dir;
  Writer w;
  w.add_tensor({"a", {3}, TensorType::f32});
  const fs::path file = dir.path() / "x.gguf";
  EXPECT_THROW(w.write(file, [](size_t) { return std::vector<unsigned char>(4); }),
               std::logic_error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace longalign::gguf
