System.Console.WriteLine(typeof(Minio.MinioClient).Assembly.FullName);
