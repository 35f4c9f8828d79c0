// The binary on the platform it finds: which LibTorch and CUDA it reports, which device `auto` picks, a
// resume that keeps the saved device, and (only where a GPU is present) training and sampling on CUDA.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <filesystem>

#include "genai/checkpoint.h"
#include "genai/config.h"
#include "genai/data/dataset.h"
#include "genai/train/trainer.h"
#include "support.h"
#include "test_paths.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::read_text;
using genai::testing::run_genai;
using genai::testing::run_genai_as_is;
using genai::testing::TempDir;

constexpr const char* kTiny = "--data tiny --batch-size 16 --log-every 5 --sample-every 0 --threads 1 --seed 3";

#define GENAI_STR_(x) #x
#define GENAI_STR(x) GENAI_STR_(x)
const std::string kHeadersVersion = GENAI_STR(TORCH_VERSION_MAJOR) "." GENAI_STR(TORCH_VERSION_MINOR) "." GENAI_STR(TORCH_VERSION_PATCH);

class Platform : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 64); }
  TempDir dir_;
};

TEST_F(Platform, VersionNamesLibTorchCudaAndBlas) {
  const auto r = run_genai_as_is("--version", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(std::string("genai ") + GENAI_VERSION + "\n", 0), 0u) << r.out;
  // Built against the headers this test was compiled with; running the same library (one build tree).
  EXPECT_NE(r.out.find("LibTorch: built against " + kHeadersVersion + ", running " + kHeadersVersion + "\n"), std::string::npos) << r.out;
#if GENAI_TEST_EXPECT_CUDA
  EXPECT_NE(r.out.find("CUDA: compiled in (CUDA "), std::string::npos) << r.out;
#else
  EXPECT_NE(r.out.find("CUDA: not compiled in"), std::string::npos) << r.out;
#endif
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(r.out.find("available, "), std::string::npos) << r.out;
  }
  const auto blas = r.out.find("\nBLAS: ");
  ASSERT_NE(blas, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("BLAS: unknown"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
}

TEST_F(Platform, DeviceAutoPicksTheCpuWithoutAGpu) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is present: auto picks it";
  const auto r = run_genai_as_is(std::string("train --device auto --steps 2 --out run ") + kTiny, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_text((dir_.path() / "run" / "train.log").string()).find(" device cpu | "), std::string::npos);
}

TEST_F(Platform, DeviceCudaWithoutAGpuIsAOneLineUsageError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is present";
  const auto r = run_genai_as_is(std::string("train --device cuda --steps 2 --out run ") + kTiny, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "genai: error: device = \"cuda\" but no CUDA device is available to this LibTorch build; use --device cpu\n");
  EXPECT_FALSE(fs::exists(dir_.path() / "run"));
}

// --resume resolves the device from the saved config (after the merge), not from the flag's default.
TEST_F(Platform, ResumeKeepsTheSavedDeviceUnlessTheFlagChangesIt) {
  ASSERT_EQ(run_genai(std::string("train --steps 4 --checkpoint-every 4 --out run ") + kTiny, dir_.path()).exit_code, 0);
  // Rewrite the newest checkpoint's config as if the run had been started on the GPU of index 3.
  const std::string newest = newest_checkpoint((dir_.path() / "run").string());
  {
    const auto ckpt = Checkpoint::open(newest);
    std::string toml = ckpt.meta().config_toml;
    const auto at = toml.find("device = \"cpu\"");
    ASSERT_NE(at, std::string::npos) << toml;
    toml.replace(at, 14, "device = \"cuda:3\"");
    TrainConfig config = model_defaults(ModelKind::kMlp);  // what `genai train` ran: R1 and an EMA generator
    config.batch_size = 16;
    train::Trainer trainer(config, data::to_dataset(genai::testing::make_tiny_images(64), "tiny", torch::kCPU), torch::kCPU);
    trainer.restore(ckpt);
    trainer.save_checkpoint(newest, toml);
  }
  if (torch::cuda::is_available() && torch::cuda::device_count() > 3) GTEST_SKIP() << "cuda:3 exists here";
  const auto plain = run_genai_as_is("train --resume --out run --steps 8", dir_.path());
  EXPECT_EQ(plain.exit_code, 2) << plain.err;
  EXPECT_NE(plain.err.find("device = \"cuda:3\" but"), std::string::npos) << plain.err;
  const auto moved = run_genai_as_is("train --resume --out run --steps 8 --device cpu", dir_.path());
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
}

// ---- CUDA: these run only where a GPU is present (the lent device machine); skipped elsewhere. ----

TEST_F(Platform, TrainSampleAndResumeOnCuda_CUDA) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const std::string flags = std::string(kTiny) + " --model dcgan --dcgan-channels 8 --checkpoint-every 5";
  ASSERT_EQ(run_genai_as_is("train --device cuda --steps 10 --out straight " + flags, dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai_as_is("train --device cuda --steps 5 --out resumed " + flags, dir_.path()).exit_code, 0);
  const auto resumed = run_genai_as_is("train --resume --out resumed --steps 10", dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(read_text((dir_.path() / "resumed" / "train.log").string()).find(" device cuda:0 | "), std::string::npos);
  // cuDNN may pick non-deterministic kernels: the same step count, weights equal within a tolerance.
  const auto a = Checkpoint::open(newest_checkpoint((dir_.path() / "straight").string())).load_generator(false);
  const auto b = Checkpoint::open(newest_checkpoint((dir_.path() / "resumed").string())).load_generator(false);
  const auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::allclose(pa[i], pb[i], 1e-3, 1e-4)) << "G parameter " << i;
  const auto sample = run_genai_as_is("sample --device cuda --run straight -n 16 --out grid.png", dir_.path());
  EXPECT_EQ(sample.exit_code, 0) << sample.err;
  EXPECT_TRUE(fs::exists(dir_.path() / "grid.png"));
}

TEST_F(Platform, ACudaRunResumesOnTheCpuWithAWarning_CUDA) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  ASSERT_EQ(run_genai_as_is(std::string("train --device cuda --steps 5 --checkpoint-every 5 --out run ") + kTiny, dir_.path()).exit_code, 0);
  const auto r = run_genai_as_is("train --resume --out run --steps 10 --device cpu", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_text((dir_.path() / "run" / "train.log").string()).find("was written on CUDA and training continues on cpu"), std::string::npos);
}

}  // namespace
}  // namespace genai
