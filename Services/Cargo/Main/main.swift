import CargoServer

await CargoService.main()
