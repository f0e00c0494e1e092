System.Console.WriteLine(typeof(Amazon.S3.AmazonS3Client).Assembly.FullName);
