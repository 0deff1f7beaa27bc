import StorefrontServer

await StorefrontService.main()
