// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/photos.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace downloader {
namespace {

// The checksum is zlib's crc32, so that peers in other languages can use
// theirs: "123456789" is CRC-32's standard check value.
TEST(PhotosTest, ChecksumIsZlibCrc32) {
  EXPECT_EQ(Checksum("123456789"), "cbf43926");
  EXPECT_EQ(Checksum(""), "00000000");
  EXPECT_EQ(Checksum("a"), "e8b7be43");
}

TEST(PhotosTest, ListRoundTripsAndMatchesThePhotos) {
  std::vector<PhotoInfo> list;
  ASSERT_TRUE(ParsePhotoList(FormatPhotoList("user0007", 4), &list));
  ASSERT_EQ(list.size(), 4u);
  for (const PhotoInfo& info : list) {
    const std::string bytes = PhotoBytes("user0007", info.id);
    EXPECT_EQ(info.size, bytes.size());
    EXPECT_GE(bytes.size(), 2048u);
    EXPECT_LT(bytes.size(), 6144u);
    EXPECT_EQ(info.checksum, Checksum(bytes));
  }
}

TEST(PhotosTest, MalformedListsAreRejected) {
  std::vector<PhotoInfo> list;
  EXPECT_FALSE(ParsePhotoList("0 100 cbf4392\n", &list));    // 7 digits
  EXPECT_FALSE(ParsePhotoList("0 100 cbf439260\n", &list));  // 9 digits
  EXPECT_FALSE(ParsePhotoList("-1 100 cbf43926\n", &list));  // negative id
  EXPECT_FALSE(ParsePhotoList("x 100 cbf43926\n", &list));   // not a number
  EXPECT_FALSE(ParsePhotoList("0 100\n", &list));            // no checksum
  EXPECT_TRUE(ParsePhotoList("", &list));                    // no photos
  EXPECT_TRUE(list.empty());
}

TEST(PhotosTest, TokensCannotBeMadeUp) {
  const std::string token = TokenFor("user0001");
  EXPECT_EQ(UserOfToken(token), "user0001");
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(UserOfToken(forged), "");
  EXPECT_EQ(UserOfToken("user0001"), "");
  EXPECT_EQ(UserOfToken(".abc"), "");
}

}  // namespace
}  // namespace downloader
