import ProductServer

await ProductService.main()
