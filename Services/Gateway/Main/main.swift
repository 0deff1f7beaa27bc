import GatewayServer

await GatewayService.main()
