terraform {
  backend "http" {
    address        = "http://state.internal.example.com/projects/shop"      # expect: TF-0023
    lock_address   = "http://state.internal.example.com/projects/shop/lock" # expect: TF-0023
    unlock_address = "https://state.internal.example.com/projects/shop/lock"
  }
}
