import CartServer

await CartService.main()
