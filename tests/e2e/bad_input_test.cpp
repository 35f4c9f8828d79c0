// The bad-input suite: every case runs the real binary and must give its exit code and a one-line
// "genai: error: ..." message naming the problem, never crash, and leave no temporary or half-written file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "genai/data/idx.h"
#include "support.h"

namespace genai {
namespace {
using genai::testing::write_bytes;
namespace fs = std::filesystem;
using genai::testing::run_genai;

struct BadInput {
  const char* name;
  std::function<void(const fs::path& dir)> setup;  // dir holds tiny/ (64 images) and, if asked, run/ (a trained run)
  const char* arguments;
  int exit_code;
  const char* message;  // a fragment the one-line message must contain
  bool needs_run = false;
};

std::vector<uint8_t> idx_header(uint8_t rank, std::vector<uint32_t> dims) {
  std::vector<uint8_t> out{0, 0, 8, rank};
  for (uint32_t d : dims) out.insert(out.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)});
  return out;
}
void good_png(const fs::path& d) { genai::testing::write_image_file(d / "pics/a.png", 8, 8, 3); }
// A PNG signature and IHDR chunk claiming width x height: all a decoder reads before it allocates.
std::vector<uint8_t> png_claiming(uint32_t width, uint32_t height) {
  std::vector<uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  std::vector<uint8_t> chunk{'I', 'H', 'D', 'R'};
  for (uint32_t v : {width, height}) chunk.insert(chunk.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
  chunk.insert(chunk.end(), {8, 2, 0, 0, 0});
  const auto crc = static_cast<uint32_t>(crc32(0, chunk.data(), static_cast<uInt>(chunk.size())));
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), {uint8_t(crc >> 24), uint8_t(crc >> 16), uint8_t(crc >> 8), uint8_t(crc)});
  return out;
}
const fs::path kImages = "tiny/train-images-idx3-ubyte";
const fs::path kLabels = "tiny/train-labels-idx1-ubyte";
const fs::path kNewest = "run/checkpoints/step_00000004.pt";
void nothing(const fs::path&) {}

// What reaches a reader of files (IDX, image folders, CIFAR, checkpoints, weights, TOML): scripts/sanitize.sh runs these under
// AddressSanitizer.
const BadInput kReaderCases[] = {
    // IDX data
    {"idx_bad_magic",
     [](const fs::path& d) {
       write_bytes(d / kImages, {'G', 'I', 'F', '8', '9', 'a', 0, 0});
     },
     "train --data tiny", 1, "train-images-idx3-ubyte: not an IDX file (bad magic number"},
    {"idx_truncated", [](const fs::path& d) { fs::resize_file(d / kImages, 16 + 784 * 10); }, "train --data tiny", 1,
     "header declares 64x28x28 but the file holds only 7840 bytes"},
    {"idx_huge_dims",
     [](const fs::path& d) {
       write_bytes(d / kImages, idx_header(3, {0x7fffffff, 0x7fffffff, 0x7fffffff}));
     },
     "train --data tiny", 1, "header declares 2147483647x2147483647x2147483647 but the file holds only 0 bytes"},
    {"idx_absurd_dim",
     [](const fs::path& d) {
       write_bytes(d / kImages, idx_header(3, {0xffffffff, 28, 28}));
     },
     "train --data tiny", 1, "dimension 0 is 4294967295, too large to be real"},
    {"idx_gzip_lie",
     [](const fs::path& d) {
       fs::remove(d / kImages);
       auto lie = idx_header(3, {60000000, 28, 28});
       lie.resize(lie.size() + 64);
       gzFile gz = gzopen((d / "tiny/train-images-idx3-ubyte.gz").c_str(), "wb");
       gzwrite(gz, lie.data(), static_cast<unsigned>(lie.size()));
       gzclose(gz);
     },
     "train --data tiny", 1, "cannot hold that much even compressed"},
    {"idx_count_mismatch",
     [](const fs::path& d) {
       data::write_idx((d / kLabels).string(), {{63}, std::vector<uint8_t>(63, 1)});
     },
     "train --data tiny", 1, "holds 63 labels but"},
    {"idx_wrong_rank", [](const fs::path& d) { fs::copy_file(d / kLabels, d / kImages, fs::copy_options::overwrite_existing); }, "train --data tiny",
     1, "IDX rank is 1, expected 3 for an image file"},
    {"idx_empty_dataset",
     [](const fs::path& d) {
       data::write_idx((d / kImages).string(), {{0, 28, 28}, {}});
       data::write_idx((d / kLabels).string(), {{0}, {}});
     },
     "train --data tiny", 1, "holds no images (empty dataset)"},
    {"idx_wrong_image_size",
     [](const fs::path& d) {
       data::write_idx((d / kImages).string(), {{64, 32, 32}, std::vector<uint8_t>(64 * 1024)});
     },
     "train --data tiny", 1, "images are 32x32; IDX data must be 28x28 (for other sizes use a folder of images)"},
    {"idx_corrupt_gzip",
     [](const fs::path& d) {
       auto set = genai::testing::make_tiny_images(64);
       fs::remove(d / kImages);
       data::write_idx((d / "tiny/train-images-idx3-ubyte.gz").string(), set.images);
       auto bytes = genai::testing::read_bytes((d / "tiny/train-images-idx3-ubyte.gz").string());
       for (size_t i = bytes.size() / 3; i < bytes.size() / 2; ++i) bytes[i] ^= 0x5a;
       write_bytes(d / "tiny/train-images-idx3-ubyte.gz", bytes);
     },
     "train --data tiny", 1, "train-images-idx3-ubyte.gz: "},
    {"idx_gzip_without_gz_name",
     [](const fs::path& d) {
       data::write_idx((d / "x.gz").string(), genai::testing::make_tiny_images(64).images);
       fs::rename(d / "x.gz", d / kImages);
     },
     "train --data tiny", 1, "is gzip-compressed but its name does not end in .gz"},
    {"idx_missing_labels", [](const fs::path& d) { fs::remove(d / kLabels); }, "train --data tiny", 1,
     "train-labels-idx1-ubyte: no such file (nor train-labels-idx1-ubyte.gz)"},
    // Image folders (a good 8x8 PNG beside each planted file) and CIFAR batches
    {"folder_empty", [](const fs::path& d) { fs::create_directories(d / "pics"); }, "train --data pics", 1,
     "pics: holds no PNG, JPEG or BMP images (0 other files, 0 hidden entries skipped)"},
    {"folder_zero_byte_file", [](const fs::path& d) { good_png(d), std::ofstream(d / "pics/b.png"); }, "train --data pics", 1,
     "pics/b.png: is empty (0 bytes); fix or remove it, or pass --skip-bad-images"},
    {"folder_text_named_png", [](const fs::path& d) { good_png(d), std::ofstream(d / "pics/b.png") << "hello\n"; }, "train --data pics", 1,
     "pics/b.png: is not a PNG, JPEG or BMP image stb_image can read"},
    {"folder_truncated_png",
     [](const fs::path& d) { good_png(d), genai::testing::write_image_file(d / "pics/b.png", 64, 64, 3), fs::resize_file(d / "pics/b.png", 600); },
     "train --data pics --image-size 8", 1, "pics/b.png: "},
    {"folder_truncated_jpeg",
     [](const fs::path& d) { good_png(d), genai::testing::write_image_file(d / "pics/b.jpg", 64, 64, 3), fs::resize_file(d / "pics/b.jpg", 900); },
     "train --data pics --image-size 8", 1, "pics/b.jpg: is a truncated JPEG (no end-of-image marker)"},
    {"folder_decompression_bomb", [](const fs::path& d) { good_png(d), write_bytes(d / "pics/b.png", png_claiming(200000, 200000)); },
     "train --data pics", 1, "pics/b.png: claims 200000x200000 pixels, beyond genai's limit of 16384 per side and 64 megapixels in all"},
    {"folder_mixed_sizes", [](const fs::path& d) { good_png(d), genai::testing::write_image_file(d / "pics/big.png", 20, 30, 3); },
     "train --data pics", 2, "the images come in 2 sizes (shorter sides 8 to 20 pixels); choose the training size with --image-size"},
    {"folder_conditional_without_classes", good_png, "train --data pics --model cmlp", 1,
     "is an unlabelled image folder; a conditional model needs classes"},
    {"folder_eval_every", good_png, "train --data pics --eval-every 10", 2, "--eval-every scores in genai eval's MNIST classifier"},
    {"dcgan_size_without_pyramid", good_png, "train --data pics --model dcgan --image-size 48", 2,
     "image-size = 48 with model = \"dcgan\": the convolutional models halve the side down to 4 or 7"},
    {"mlp_size_too_large", nothing, "train --image-size 256", 2, "the MLP models take at most 128"},
    {"two_channels", nothing, "train --channels 2", 2, "channels = 2 is not an image format"},
    {"cifar_truncated", [](const fs::path& d) { write_bytes(d / "cifar/data_batch_1.bin", std::vector<uint8_t>(3073 * 2 + 5)); },
     "train --data cifar", 1, "data_batch_1.bin: 6151 bytes is not a whole number of 3073-byte CIFAR-10 records"},
    {"cifar_bad_label", [](const fs::path& d) { write_bytes(d / "cifar/data_batch_1.bin", std::vector<uint8_t>(3073, 12)); }, "train --data cifar", 1,
     "record 0 has label 12, beyond CIFAR-10's 9"},
    {"data_not_a_directory", nothing, "train --data nowhere", 2, "--data nowhere: not a directory"},
    {"mnist_not_fetched", nothing, "train --data mnist --data-root empty-root", 1, "run scripts/get-data.sh mnist"},
    {"batch_larger_than_dataset", nothing, "train --data tiny --batch-size 65", 2, "batch-size = 65 is larger than the dataset (64 images)"},
    // Checkpoints
    {"checkpoint_text_file", [](const fs::path& d) { std::ofstream(d / "c.pt") << "hello"; }, "sample --checkpoint c.pt", 1,
     "c.pt: not a genai checkpoint (no GENAI-CHECKPOINT header)"},
    {"checkpoint_empty_file", [](const fs::path& d) { std::ofstream(d / "c.pt"); }, "sample --checkpoint c.pt", 1, "c.pt: not a genai checkpoint"},
    {"checkpoint_truncated", [](const fs::path& d) { fs::resize_file(d / kNewest, fs::file_size(d / kNewest) / 2); },
     "sample --checkpoint run/checkpoints/step_00000004.pt", 1, "truncated or corrupt checkpoint: header says", true},
    {"checkpoint_bit_flip",
     [](const fs::path& d) {
       auto bytes = genai::testing::read_bytes((d / kNewest).string());
       bytes[bytes.size() - 50] ^= 0x10;
       write_bytes(d / kNewest, bytes);
     },
     "sample --checkpoint run/checkpoints/step_00000004.pt", 1, "checksum mismatch", true},
    {"checkpoint_missing", nothing, "sample --checkpoint none.pt", 1, "none.pt: no such checkpoint file"},
    {"run_without_checkpoints", [](const fs::path& d) { fs::create_directories(d / "empty/checkpoints"); }, "sample --run empty", 1,
     "holds no checkpoint (step_*.pt)"},
    {"resume_all_checkpoints_bad", [](const fs::path& d) { fs::resize_file(d / kNewest, 10); }, "train --resume --out run", 1,
     "no valid checkpoint among 1", true},
    {"resume_other_model", nothing, "train --resume --out run --model dcgan", 2, "model = \"dcgan\" (the run has \"mlp\")", true},
    {"resume_without_out", nothing, "train --resume", 2, "--resume needs --out RUN_DIR"},
    // Weights files for genai eval
    {"eval_inception_not_torch", [](const fs::path& d) { std::ofstream(d / "w.pth") << "weights"; },
     "eval --data tiny --networks inception --inception w.pth", 1, "w.pth: not a PyTorch weights file"},
    {"eval_classifier_not_one", [](const fs::path& d) { std::ofstream(d / "c.bin") << "weights"; }, "eval --data tiny --classifier c.bin", 1,
     "c.bin: not a genai classifier file (no GENAI-CLASSIFIER header)"},
    // TOML
    {"toml_syntax", [](const fs::path& d) { std::ofstream(d / "c.toml") << "[train\nbatch-size = \n"; }, "train --config c.toml", 2,
     "malformed config line \"[train\": a section header needs its closing ]"},
    {"toml_unknown_key", [](const fs::path& d) { std::ofstream(d / "c.toml") << "[train]\nbatch-sise = 8\n"; }, "train --config c.toml", 2,
     "unknown config key \"train.batch-sise\" (did you mean batch-size?)"},
    {"toml_wrong_type", [](const fs::path& d) { std::ofstream(d / "c.toml") << "[train]\nbatch-size = \"many\"\n"; }, "train --config c.toml", 2,
     "many"},
    {"toml_bad_value", [](const fs::path& d) { std::ofstream(d / "c.toml") << "[train]\nbatch-size = -4\n"; }, "train --config c.toml", 2,
     "batch-size = -4 must be in [1, 65536]"},
    {"toml_missing_file", nothing, "train --config missing.toml", 2, "missing.toml"},
};

// What the options, the commands and the output locations refuse: checked against the message and exit code, not
// through a reader (the sanitizer build runs only the cases above).
const BadInput kUsageCases[] = {
    // Flags
    {"unknown_flag", nothing, "train --bogus", 2, "--bogus"},
    {"misspelt_flag", nothing, "train --batch-sise 8", 2, "did you mean --batch-size?"},
    {"unknown_subcommand", nothing, "trian", 2, "unknown subcommand \"trian\"; use train, sample, eval, bench or export (did you mean train?)"},
    {"not_a_number", nothing, "train --batch-size many", 2, "many"},
    {"zero_batch", nothing, "train --batch-size 0", 2, "batch-size = 0 must be in [1, 65536]"},
    {"negative_steps", nothing, "train --steps -5", 2, "steps = -5 must be at least 0"},
    {"negative_epochs_and_lr", nothing, "train --epochs -1 --lr-d 2", 2, "2 problems"},
    {"unknown_model", nothing, "train --model vae", 2, "--model: \"vae\" is unknown; use mlp, dcgan, cmlp or cdcgan"},
    {"bad_device", nothing, "train --device tpu", 2, "device = \"tpu\" is not valid; use auto, cpu, cuda or cuda:N"},
    {"bad_max_time", nothing, "train --max-time soon", 2, "max-time = \"soon\" is not a duration"},
    {"max_time_dot", nothing, "train --max-time .", 2, "max-time = \".\" is not a duration"},
    {"max_time_two_points", nothing, "train --max-time 1.2.3h", 2, "max-time = \"1.2.3h\" is not a duration"},
    {"bad_on_nan", nothing, "train --on-nan ignore", 2, "--on-nan: \"ignore\" is unknown; use stop or rollback"},
    {"zero_log_every", nothing, "train --log-every 0", 2, "log-every = 0 must be at least 1"},
    {"sample_zero_count", nothing, "sample --checkpoint x.pt -n 0", 2, "count = 0 must be in [1, 1000000]"},
    {"sample_needs_a_source", nothing, "sample", 2, "give exactly one of --checkpoint FILE or --run DIR"},
    {"sample_two_sources", nothing, "sample --checkpoint a.pt --run b", 2, "excludes"},
    // Export
    {"export_needs_a_source", nothing, "export --out g.safetensors", 2, "give exactly one of --checkpoint FILE or --run DIR"},
    {"export_needs_out", nothing, "export --run run", 2, "--out FILE is required"},
    {"export_out_missing_dir", nothing, "export --run run --out no/such/g.safetensors", 1, "its directory does not exist", true},
    {"export_out_is_a_directory", nothing, "export --run run --out run", 1, "is a directory; give a file name", true},
    {"export_checkpoint_missing", nothing, "export --checkpoint none.pt --out g.safetensors", 1, "none.pt: no such checkpoint file"},
    // Eval
    {"eval_needs_a_source", nothing, "eval", 2, "give --checkpoint FILE, --run DIR or --images DIR (or --data alone to score only the real data)"},
    {"eval_images_need_data", good_png, "eval --images pics", 2, "--images needs --data: the real images to compare them with"},
    {"eval_images_and_generator", good_png, "eval --images pics --data tiny --checkpoint a.pt", 2, "give --images DIR or a generator"},
    {"eval_unknown_network", nothing, "eval --data tiny --networks incepton", 2,
     "--networks: unknown network 'incepton'; use auto or a comma list of classifier (lenet), efficientnet-lite0, inception"},
    {"eval_inception_needs_file", nothing, "eval --data tiny --networks inception", 2, "--networks inception needs --inception FILE"},
    {"eval_inception_missing", nothing, "eval --data tiny --inception none.pth", 1, "none.pth: no such file; pytorch-fid's Inception weights"},
    {"eval_efficientnet_missing", good_png, "eval --data pics --efficientnet none.pth", 1,
     "none.pth: no EfficientNet-Lite0 weights; run scripts/get-data.sh efficientnet-lite0"},
    {"eval_classifier_other_shape", good_png, "eval --images pics --data tiny --networks lenet", 2,
     "pics holds 1x8x8 images but --data tiny is read as 1x28x28; give --image-size"},
    {"eval_classifier_unlabelled", good_png, "eval --images pics --data pics --networks classifier", 2,
     "--data pics is an unlabelled image folder; the classifier figures need classes (one subfolder per class)"},
    {"eval_feature_batch", nothing, "eval --data tiny --feature-batch -1", 2, "feature-batch = -1 must be in [0, 10000]"},
    {"eval_features_missing_dir", nothing, "eval --data tiny --save-features no/such/f.safetensors", 1, "its directory does not exist"},
    {"eval_two_sources", nothing, "eval --checkpoint a.pt --run b", 2, "excludes"},
    {"eval_too_few_samples", nothing, "eval --data tiny --samples 5", 2, "samples = 5 must be in [20, 100000]"},
    {"eval_checkpoint_missing", nothing, "eval --checkpoint none.pt", 1, "none.pt: no such checkpoint file"},
    {"eval_classifier_missing", nothing, "eval --data tiny --classifier none.bin", 1, "none.bin: no such classifier file"},
    {"eval_no_test_split", [](const fs::path& d) { fs::remove(d / "tiny/t10k-images-idx3-ubyte"); }, "eval --run run", 1,
     "t10k-images-idx3-ubyte: no such file", true},
    {"eval_json_missing_dir", nothing, "eval --run run --json no/such/scores.json", 1, "its directory does not exist", true},
    {"eval_every_negative", nothing, "train --eval-every -1", 2, "eval-every = -1 must be at least 0"},
    // Output locations
    {"out_below_a_file", [](const fs::path& d) { std::ofstream(d / "file") << "x"; }, "train --data tiny --steps 2 --out file/run", 1,
     "file/run: cannot create directory"},
    {"out_not_empty", [](const fs::path& d) { fs::create_directories(d / "busy"), std::ofstream(d / "busy/x") << "x"; },
     "train --data tiny --steps 2 --out busy", 2, "pass --force to write into it"},
    {"sample_out_missing_dir", nothing, "sample --run run --out no/such/dir.png", 1, "its directory does not exist", true},
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class BadInputs : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputs, OneLineErrorExitCodeAndNothingHalfWritten) {
  const BadInput& c = GetParam();
  genai::testing::TempDir dir;
  genai::testing::write_tiny_dataset(dir.path() / "tiny", 64);
  if (c.needs_run) {
    ASSERT_EQ(run_genai("train --data tiny --steps 4 --batch-size 16 --threads 1 --out run", dir.path()).exit_code, 0);
  }
  c.setup(dir.path());
  const auto r = run_genai(c.arguments, dir.path());
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_EQ(r.err.rfind("genai: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(c.message), std::string::npos) << "expected \"" << c.message << "\" in: " << r.err;
  std::printf("%-28s exit %d  %s", c.name, r.exit_code, r.err.c_str());
  for (const auto& entry : fs::recursive_directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << "left behind: " << entry.path();
  if (!c.needs_run && std::string(c.arguments).find("train") == 0) {
    EXPECT_FALSE(fs::exists(dir.path() / "runs")) << "a run directory was started";
  }
}

std::string case_name(const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; }
INSTANTIATE_TEST_SUITE_P(Readers, BadInputs, ::testing::ValuesIn(kReaderCases), case_name);
INSTANTIATE_TEST_SUITE_P(Usage, BadInputs, ::testing::ValuesIn(kUsageCases), case_name);

}  // namespace
}  // namespace genai
