import RegistryServer

await RegistryService.main()
