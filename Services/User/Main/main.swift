import UserServer

await UserService.main()
