// The folder reader, the CIFAR reader, the transform and the decoded-image cache, on files the tests write.
#include "genai/data/image_folder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "genai/data/cifar.h"
#include "genai/data/image_cache.h"
#include "genai/data/image_set.h"
#include "genai/data/image_transform.h"
#include "genai/error.h"
#include "support.h"

namespace genai::data {
namespace {
using genai::testing::write_bytes;
namespace fs = std::filesystem;
using genai::testing::TempDir;
using genai::testing::write_image_file;

std::vector<std::string> lines;
LoadOptions options(ImageTransform transform = {}, bool skip = false) {
  LoadOptions o;
  o.transform = transform;
  o.skip_bad_files = skip;
  o.progress = [](const std::string& line) { lines.push_back(line); };
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// A PNG whose header claims width x height (a decompression bomb needs no more than its IHDR to be refused).
std::vector<uint8_t> png_header_claiming(uint32_t width, uint32_t height) {
  std::vector<uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  std::vector<uint8_t> chunk{'I', 'H', 'D', 'R'};
  for (uint32_t v : {width, height}) chunk.insert(chunk.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
  chunk.insert(chunk.end(), {8, 2, 0, 0, 0});  // 8-bit RGB
  const uint32_t crc = static_cast<uint32_t>(crc32(0, chunk.data(), static_cast<uInt>(chunk.size())));
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), {uint8_t(crc >> 24), uint8_t(crc >> 16), uint8_t(crc >> 8), uint8_t(crc)});
  return out;
}

TEST(ImageTransform, AreaResizeAveragesBlocksAndCropsTheCentre) {
  // 6 x 4 gray: the centre 4 x 4 square (columns 1..4) is kept, then 2 x 2 blocks average.
  std::vector<uint8_t> pixels(24);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) pixels[static_cast<size_t>(y * 6 + x)] = static_cast<uint8_t>(10 * x + 100 * (y / 2));
  uint8_t out[4];
  transform_image(PixelBuffer{6, 4, 1, pixels.data()}, 2, 1, out);
  EXPECT_EQ(out[0], 15);   // mean of 10, 20 (rows 0-1)
  EXPECT_EQ(out[1], 35);   // mean of 30, 40
  EXPECT_EQ(out[2], 115);  // rows 2-3: +100
  EXPECT_EQ(out[3], 135);
}

TEST(ImageTransform, ChannelConversions) {
  const std::vector<uint8_t> rgb{200, 100, 50};
  uint8_t gray = 0;
  transform_image(PixelBuffer{1, 1, 3, rgb.data()}, 1, 1, &gray);
  EXPECT_EQ(gray, 124);  // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2
  const uint8_t one = 77;
  uint8_t three[3];
  transform_image(PixelBuffer{1, 1, 1, &one}, 1, 3, three);
  EXPECT_EQ(three[0], 77);
  EXPECT_EQ(three[1], 77);
  EXPECT_EQ(three[2], 77);
}

TEST(ImageFolder, EveryModeDecodesToRgbWithAlphaOnWhite) {
  TempDir dir;
  // One pixel each, 2 x 2 images: gray, gray + alpha, RGB, RGBA (half-transparent red), as PNG; a BMP; upper case.
  write_image_file(dir.path() / "a_gray.png", 2, 2, 1, std::vector<uint8_t>(4, 60));
  write_image_file(dir.path() / "b_gray_alpha.png", 2, 2, 2, std::vector<uint8_t>{60, 0, 60, 0, 60, 0, 60, 0});
  write_image_file(dir.path() / "c_rgb.PNG", 2, 2, 3, std::vector<uint8_t>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3});
  write_image_file(dir.path() / "d_rgba.png", 2, 2, 4, std::vector<uint8_t>{255, 0, 0, 128, 255, 0, 0, 128, 255, 0, 0, 128, 255, 0, 0, 128});
  write_image_file(dir.path() / "e.bmp", 2, 2, 3, std::vector<uint8_t>(12, 9));
  const auto set = load_training_images(dir.path().string(), "", options());
  ASSERT_EQ(set.images.sizes(), (std::vector<int64_t>{5, 3, 2, 2}));
  EXPECT_FALSE(set.labelled);
  auto px = [&](int i, int c) { return set.images[i][c][0][0].item<int64_t>(); };
  EXPECT_EQ(px(0, 0), 60);  // gray replicated
  EXPECT_EQ(px(0, 2), 60);
  EXPECT_EQ(px(1, 1), 255);  // fully transparent: white
  EXPECT_EQ(px(2, 0), 1);
  EXPECT_EQ(px(2, 2), 3);
  EXPECT_EQ(px(3, 0), 255);  // red over white at alpha 128: (255 * 128 + 255 * 127) / 255
  EXPECT_EQ(px(3, 1), 127);  // (0 * 128 + 255 * 127 + 127) / 255 = 127
  EXPECT_EQ(px(4, 0), 9);
}

TEST(ImageFolder, ClassFoldersHiddenFilesOtherFilesAndLinkLoops) {
  TempDir dir;
  write_image_file(dir.path() / "cats/1.png", 4, 4, 3);
  write_image_file(dir.path() / "cats/deeper/2.jpg", 4, 4, 3);
  write_image_file(dir.path() / "dogs/3.png", 4, 4, 3);
  write_image_file(dir.path() / ".thumbnails/4.png", 4, 4, 3);
  std::ofstream(dir.path() / "dogs/.DS_Store") << "x";
  std::ofstream(dir.path() / "dogs/notes.txt") << "x";
  fs::create_directory_symlink("..", dir.path() / "dogs/loop");  // back to the root: must not hang or count twice
  const auto listing = list_image_folder(dir.path().string());
  ASSERT_EQ(listing.files, (std::vector<std::string>{"cats/1.png", "cats/deeper/2.jpg", "dogs/3.png"}));
  EXPECT_TRUE(listing.labelled);
  EXPECT_EQ(listing.class_names, (std::vector<std::string>{"cats", "dogs"}));
  EXPECT_EQ(listing.labels, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(listing.hidden_skipped, 2);
  EXPECT_EQ(listing.other_skipped, 1);
  // One image at the top: unlabelled.
  write_image_file(dir.path() / "top.png", 4, 4, 3);
  EXPECT_FALSE(list_image_folder(dir.path().string()).labelled);
}

TEST(ImageFolder, MixedSizesNeedAnImageSizeAndAreCroppedAndResized) {
  TempDir dir;
  write_image_file(dir.path() / "small.png", 8, 8, 3);
  write_image_file(dir.path() / "wide.png", 40, 20, 3);
  EXPECT_NE(error_of([&] { load_training_images(dir.path().string(), "", options()); }).find("choose the training size with --image-size"),
            std::string::npos);
  const auto set = load_training_images(dir.path().string(), "", options({16, 1}));
  EXPECT_EQ(set.images.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
}

TEST(ImageFolder, BadFilesStopTheRunNamingTheFileOrAreSkippedAndCounted) {
  struct Case {
    const char* name;
    std::function<void(const fs::path&)> plant;
    const char* message;
  };
  const Case cases[] = {
      {"empty.png", [](const fs::path& p) { write_bytes(p, {}); }, "is empty (0 bytes)"},
      {"text.png", [](const fs::path& p) { std::ofstream(p) << "not a picture at all\n"; }, "is not a PNG, JPEG or BMP image stb_image can read"},
      {"bomb.png", [](const fs::path& p) { write_bytes(p, png_header_claiming(100000, 100000)); },
       "claims 100000x100000 pixels, beyond genai's limit of 16384 per side and 64 megapixels in all"},
      {"cut.png",
       [](const fs::path& p) {
         write_image_file(p, 64, 64, 3);
         fs::resize_file(p, fs::file_size(p) / 2);
       },
       ""},
      {"cut.jpg",
       [](const fs::path& p) {
         write_image_file(p, 64, 64, 3);
         fs::resize_file(p, fs::file_size(p) / 2);
       },
       "is a truncated JPEG"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    write_image_file(dir.path() / "good.png", 8, 8, 3);
    c.plant(dir.path() / c.name);
    const std::string error = error_of([&] { load_training_images(dir.path().string(), "", options({8, 3})); });
    EXPECT_NE(error.find((dir.path() / c.name).string() + ": " + c.message), std::string::npos) << c.name << ": " << error;
    EXPECT_NE(error.find("--skip-bad-images"), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(dir.path() / ".genai-cache")) << "a cache was written for a failed load";
    lines.clear();
    const auto set = load_training_images(dir.path().string(), "", options({8, 3}, /*skip=*/true));
    EXPECT_EQ(set.size(), 1) << c.name;
    ASSERT_FALSE(lines.empty());
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [](const std::string& l) { return l.find("skipped 1 files that could not be decoded") != std::string::npos; }));
  }
}

TEST(ImageFolder, AnEmptyFolderIsAClearError) {
  TempDir dir;
  std::ofstream(dir.path() / "readme.txt") << "x";
  EXPECT_NE(error_of([&] { load_training_images(dir.path().string(), "", options()); }).find("holds no PNG, JPEG or BMP images (1 other files"),
            std::string::npos);
}

TEST(ImageCache, SecondLoadReadsTheCacheAndAChangedFileRebuildsIt) {
  TempDir dir;
  genai::testing::write_image_folder(dir.path() / "pics", 6, 8, 2);
  const std::string pics = (dir.path() / "pics").string();
  lines.clear();
  const auto first = load_training_images(pics, "", options());
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("cached the decoded images"), std::string::npos) << lines.back();
  lines.clear();
  const auto second = load_training_images(pics, "", options());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("from the cache"), std::string::npos) << lines[0];
  EXPECT_TRUE(torch::equal(first.images, second.images));
  EXPECT_TRUE(torch::equal(first.labels, second.labels));
  EXPECT_EQ(second.class_names, first.class_names);
  // A rewritten image (new size and time): decoded again, with its new pixels.
  write_image_file(dir.path() / "pics/class_0/img0000.png", 8, 8, 3, 99);
  fs::last_write_time(dir.path() / "pics/class_0/img0000.png", fs::file_time_type::clock::now() + std::chrono::seconds(5));
  lines.clear();
  const auto third = load_training_images(pics, "", options());
  EXPECT_NE(lines.back().find("cached the decoded images"), std::string::npos);
  EXPECT_FALSE(torch::equal(first.images[0], third.images[0]));
  EXPECT_TRUE(torch::equal(first.images[1], third.images[1]));
  // A damaged cache reads as absent.
  const auto cache = image_cache_path((dir.path() / "pics/.genai-cache").string(), pics, {});
  ASSERT_TRUE(fs::exists(cache));
  fs::resize_file(cache, fs::file_size(cache) - 1);
  lines.clear();
  load_training_images(pics, "", options());
  EXPECT_NE(lines.back().find("cached the decoded images"), std::string::npos);
}

TEST(Cifar, ReadsBatchesLabelsPlanesAndNames) {
  TempDir dir;
  auto record = [](uint8_t label, uint8_t fill) {
    std::vector<uint8_t> r(3073, fill);
    r[0] = label;
    r[1] = 200;         // red plane, pixel (0, 0)
    r[1 + 1024] = 100;  // green plane
    return r;
  };
  std::vector<uint8_t> batch1 = record(3, 7), batch2 = record(9, 8);
  const auto more = record(0, 9);
  batch1.insert(batch1.end(), more.begin(), more.end());
  write_bytes(dir.path() / "data_batch_1.bin", batch1);
  write_bytes(dir.path() / "data_batch_2.bin", batch2);
  write_bytes(dir.path() / "test_batch.bin", record(1, 1));
  std::ofstream(dir.path() / "batches.meta.txt") << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  ASSERT_TRUE(is_cifar_directory(dir.path().string()));
  EXPECT_EQ(detect_source(dir.path().string(), ""), SourceKind::kCifar);
  const auto set = load_training_images(dir.path().string(), "", options());
  ASSERT_EQ(set.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(set.labels.numel(), 3);
  EXPECT_EQ(set.labels[0].item<int64_t>(), 3);
  EXPECT_EQ(set.labels[2].item<int64_t>(), 9);
  EXPECT_EQ(set.images[0][0][0][0].item<int64_t>(), 200);
  EXPECT_EQ(set.images[0][1][0][0].item<int64_t>(), 100);
  EXPECT_EQ(set.images[0][2][0][0].item<int64_t>(), 7);
  EXPECT_EQ(set.classes, 10);
  EXPECT_EQ(set.class_names.at(3), "cat");
  EXPECT_EQ(read_cifar(dir.path().string(), true).size(), 1);
  // --channels 1 --image-size 16: converted like any other source.
  EXPECT_EQ(load_training_images(dir.path().string(), "", options({16, 1})).images.sizes(), (std::vector<int64_t>{3, 1, 16, 16}));
  // A truncated batch and a label out of range name the file.
  fs::resize_file(dir.path() / "data_batch_2.bin", 3000);
  EXPECT_NE(error_of([&] { read_cifar(dir.path().string(), false); }).find("data_batch_2.bin: 3000 bytes is not a whole number of 3073-byte"),
            std::string::npos);
  write_bytes(dir.path() / "data_batch_2.bin", record(12, 0));
  EXPECT_NE(error_of([&] { read_cifar(dir.path().string(), false); }).find("record 0 has label 12"), std::string::npos);
}

TEST(Cifar, Cifar100UsesTheFineLabel) {
  TempDir dir;
  std::vector<uint8_t> r(3074, 5);
  r[0] = 3;   // coarse
  r[1] = 77;  // fine
  write_bytes(dir.path() / "train.bin", r);
  const auto set = read_cifar(dir.path().string(), false);
  EXPECT_EQ(set.classes, 100);
  EXPECT_EQ(set.labels[0].item<int64_t>(), 77);
  EXPECT_EQ(set.images[0][0][0][0].item<int64_t>(), 5);
}

}  // namespace
}  // namespace genai::data
