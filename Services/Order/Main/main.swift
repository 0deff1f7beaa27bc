import OrderServer

await OrderService.main()
